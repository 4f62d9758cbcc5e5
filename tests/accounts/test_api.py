"""Every row of the "Accounts and auth" table of docs/api.md: statuses, body shapes and error codes."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import RefreshToken, User
from tests.accounts.helpers import STRONG, USER_KEYS, bearer, error_codes, login
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


# --- register ---------------------------------------------------------------------------------


def test_register_creates_member_and_signs_in(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "  New.Reader@Example.COM ", "password": STRONG, "name": "New Reader", "phone": "+44 20 1234"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"user", "access", "refresh"}
    assert set(body["user"]) == USER_KEYS
    assert body["user"]["email"] == "new.reader@example.com"
    assert body["user"]["role"] == "member"
    assert body["user"]["phone"] == "+44 20 1234"
    assert body["user"]["last_login_at"] is not None
    user = User.objects.get(email="new.reader@example.com")
    assert user.password.startswith("argon2") or user.password.startswith("md5")
    assert bearer(body["access"]).get("/api/v1/auth/me/").json()["id"] == str(user.pk)
    assert RefreshToken.objects.filter(user=user).count() == 1


def test_register_hashes_with_argon2(api_client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    response = api_client.post(
        "/api/v1/auth/register/", {"email": "argon@example.com", "password": STRONG, "name": "A"}, format="json"
    )
    assert response.status_code == 201
    assert User.objects.get(email="argon@example.com").password.startswith("argon2$argon2id$")


def test_register_duplicate_email_case_insensitive_is_400(api_client, user):
    response = api_client.post(
        "/api/v1/auth/register/", {"email": user.email.upper(), "password": STRONG, "name": "Dup"}, format="json"
    )
    assert response.status_code == 400
    assert error_codes(response) == [("unique", "email")]


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "password_too_short"),
        ("password123", "password_too_common"),
        ("48213975301287", "password_entirely_numeric"),
        ("similar.reader@example.com", "password_too_similar"),
    ],
)
def test_register_password_validators_answer_400_on_the_field(api_client, password, code):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "similar.reader@example.com", "password": password, "name": "Similar Reader"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert (code, "password") in error_codes(response)
    assert not User.objects.filter(email="similar.reader@example.com").exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "x@example.com", "name": "X"},
        {"email": "not-an-email", "password": STRONG, "name": "X"},
        {"email": ["x@example.com"], "password": STRONG, "name": "X"},
        {"email": "x@example.com", "password": {"a": 1}, "name": "X"},
        {"email": "x@example.com", "password": STRONG, "name": None},
        {"email": "x@example.com", "password": STRONG, "name": "x" * 300},
        ["x@example.com", STRONG],
    ],
)
def test_register_bad_bodies_are_400(api_client, body):
    response = api_client.post("/api/v1/auth/register/", body, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


# --- login ------------------------------------------------------------------------------------


def test_login_returns_user_access_refresh_and_updates_last_login(api_client, user):
    assert user.last_login is None
    response = login(api_client, user.email.upper(), HTTP_USER_AGENT="pytest-browser/1.0")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"user", "access", "refresh"}
    assert set(body["user"]) == USER_KEYS
    assert body["refresh"] and body["access"] != body["refresh"]
    user.refresh_from_db()
    assert user.last_login is not None
    token = RefreshToken.objects.get(user=user)
    assert token.user_agent == "pytest-browser/1.0"
    assert token.ip == "127.0.0.1"


@pytest.mark.parametrize("case", ["wrong_password", "unknown_email", "inactive"])
def test_login_failures_are_identical_401(api_client, case):
    user = UserFactory(is_active=case != "inactive")
    email = "nobody@example.com" if case == "unknown_email" else user.email
    password = "wrong-password-123" if case == "wrong_password" else DEFAULT_PASSWORD
    response = login(api_client, email, password)
    assert response.status_code == 401
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "authentication_failed",
                "detail": "No active account found with the given credentials.",
                "attr": None,
            }
        ],
    }
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not RefreshToken.objects.exists()


def test_login_ignores_a_stale_authorization_header(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
    assert login(client, user.email).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"email": "a@example.com"}, {"password": "x"}, {"email": None, "password": "x"}, {"email": [], "password": 1}],
)
def test_login_bad_bodies_are_400(api_client, body):
    response = api_client.post("/api/v1/auth/login/", body, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


@pytest.mark.parametrize("path", ["login", "register", "refresh", "logout", "password"])
def test_malformed_json_is_400_parse_error(api_client, path, signed_in):
    _, access, _ = signed_in
    client = bearer(access)
    response = client.generic("POST", f"/api/v1/auth/{path}/", '{"email": "a@', content_type="application/json")
    assert response.status_code == 400
    assert error_codes(response) == [("parse_error", None)]


def test_wrong_content_type_is_415(api_client):
    response = api_client.generic("POST", "/api/v1/auth/login/", "email=a", content_type="text/plain")
    assert response.status_code == 415


# --- refresh ----------------------------------------------------------------------------------


def test_refresh_returns_new_pair_and_spends_old(api_client, signed_in):
    user, _, refresh = signed_in
    response = api_client.post("/api/v1/auth/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != refresh
    assert bearer(body["access"]).get("/api/v1/auth/me/").status_code == 200
    old, new = RefreshToken.objects.filter(user=user).order_by("created_at")
    assert old.used_at is not None and new.parent_id == old.pk and new.family_id == old.family_id
    assert new.expires_at <= old.family_expires_at
    assert new.family_expires_at == old.family_expires_at


def _forged_tokens(user):
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken
    from rest_framework_simplejwt.tokens import RefreshToken as SignedRefresh

    expired = SignedRefresh.for_user(user)
    expired.set_exp(from_time=timezone.now() - timedelta(days=30), lifetime=timedelta(days=1))
    other_key = SignedRefresh.for_user(user)
    forged = str(other_key)
    forged = forged[:-4] + ("AAAA" if not forged.endswith("AAAA") else "BBBB")
    return {
        "access_token": str(AccessToken.for_user(user)),
        "expired": str(expired),
        "forged_signature": forged,
        "unknown_but_signed": str(SignedRefresh.for_user(user)),
        "garbage": "not-a-token",
        "empty_segments": "..",
    }


@pytest.mark.parametrize(
    "kind", ["access_token", "expired", "forged_signature", "unknown_but_signed", "garbage", "empty_segments"]
)
def test_refresh_with_bad_tokens_is_401_token_not_valid(api_client, user, kind):
    token = _forged_tokens(user)[kind]
    response = api_client.post("/api/v1/auth/refresh/", {"refresh": token}, format="json")
    assert response.status_code == 401
    assert error_codes(response) == [("token_not_valid", None)]


# A number is not a string (core.serializers.StrictCharField): a 400, not a token that fails to verify.
@pytest.mark.parametrize(
    "body", [{}, {"refresh": None}, {"refresh": ["a"]}, {"refresh": {"a": 1}}, {"refresh": ""}, {"refresh": 12345}]
)
def test_refresh_bad_bodies_are_400(api_client, body):
    response = api_client.post("/api/v1/auth/refresh/", body, format="json")
    assert response.status_code == 400


def test_refresh_of_inactive_user_is_401(api_client, signed_in):
    user, _, refresh = signed_in
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = api_client.post("/api/v1/auth/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code == 401
