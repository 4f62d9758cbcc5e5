"""Every row of the "Accounts and auth" table of API.md: statuses, body shapes and error codes."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import RefreshToken, RevokeReason, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

USER_KEYS = {"id", "email", "name", "phone", "avatar", "role", "is_active", "last_login_at", "created_at"}
STRONG = "a-Str0ng-passphrase-2026"


def error_codes(response) -> list[tuple[str, str | None]]:
    body = response.json()
    assert set(body) == {"type", "errors"}
    return [(error["code"], error["attr"]) for error in body["errors"]]


def login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post("/api/v1/auth/login/", {"email": email, "password": password}, format="json", **extra)


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def signed_in(user, api_client):
    """(user, access, refresh) of a real login."""
    body = login(api_client, user.email).json()
    return user, body["access"], body["refresh"]


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


# --- logout -----------------------------------------------------------------------------------


def test_logout_revokes_that_session_and_its_access_token(api_client, user):
    first = login(api_client, user.email).json()
    second = login(api_client, user.email).json()
    response = bearer(first["access"]).post("/api/v1/auth/logout/", {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 204
    assert response.content == b""
    # That session's refresh token is dead, and so is the access token used to log out.
    assert api_client.post("/api/v1/auth/refresh/", {"refresh": first["refresh"]}, format="json").status_code == 401
    gone = bearer(first["access"]).get("/api/v1/auth/me/")
    assert gone.status_code == 401
    assert error_codes(gone) == [("token_not_valid", None)]
    # The other session lives on: it refreshes and works.
    renewed = api_client.post("/api/v1/auth/refresh/", {"refresh": second["refresh"]}, format="json")
    assert renewed.status_code == 200
    assert bearer(renewed.json()["access"]).get("/api/v1/auth/me/").status_code == 200
    assert set(RefreshToken.objects.filter(is_revoked=True).values_list("revoked_reason", flat=True)) == {
        RevokeReason.LOGOUT
    }


def test_logout_with_an_access_token_as_refresh_is_401_and_revokes_nothing(signed_in):
    _, access, _ = signed_in
    response = bearer(access).post("/api/v1/auth/logout/", {"refresh": access}, format="json")
    assert response.status_code == 401
    assert error_codes(response) == [("token_not_valid", None)]
    assert not RefreshToken.objects.filter(is_revoked=True).exists()
    assert bearer(access).get("/api/v1/auth/me/").status_code == 200


def test_logout_requires_authentication(api_client, signed_in):
    _, _, refresh = signed_in
    response = api_client.post("/api/v1/auth/logout/", {"refresh": refresh}, format="json")
    assert response.status_code == 401
    assert error_codes(response) == [("not_authenticated", None)]


def test_logout_with_another_users_refresh_token_is_401(api_client, signed_in):
    _, access, _ = signed_in
    other = UserFactory()
    other_refresh = login(api_client, other.email).json()["refresh"]
    response = bearer(access).post("/api/v1/auth/logout/", {"refresh": other_refresh}, format="json")
    assert response.status_code == 401
    assert not RefreshToken.objects.filter(is_revoked=True).exists()


def test_logout_missing_refresh_is_400(signed_in):
    _, access, _ = signed_in
    response = bearer(access).post("/api/v1/auth/logout/", {}, format="json")
    assert response.status_code == 400
    assert error_codes(response) == [("required", "refresh")]


# --- logout-all and password ------------------------------------------------------------------


def test_logout_all_kills_every_refresh_and_access_token(api_client, user):
    sessions = [login(api_client, user.email).json() for _ in range(3)]
    response = bearer(sessions[0]["access"]).post("/api/v1/auth/logout-all/")
    assert response.status_code == 204
    for session in sessions:
        assert bearer(session["access"]).get("/api/v1/auth/me/").status_code == 401
        refreshed = api_client.post("/api/v1/auth/refresh/", {"refresh": session["refresh"]}, format="json")
        assert refreshed.status_code == 401
    assert not RefreshToken.objects.filter(user=user, is_revoked=False).exists()
    # Signing in again works.
    assert login(api_client, user.email).status_code == 200


def test_password_change(api_client, signed_in):
    user, access, refresh = signed_in
    response = bearer(access).post(
        "/api/v1/auth/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": STRONG},
        format="json",
    )
    assert response.status_code == 204
    assert bearer(access).get("/api/v1/auth/me/").status_code == 401
    assert api_client.post("/api/v1/auth/refresh/", {"refresh": refresh}, format="json").status_code == 401
    assert login(api_client, user.email, DEFAULT_PASSWORD).status_code == 401
    assert login(api_client, user.email, STRONG).status_code == 200
    assert set(RefreshToken.objects.filter(is_revoked=True).values_list("revoked_reason", flat=True)) == {
        RevokeReason.PASSWORD_CHANGE
    }


def test_password_change_wrong_current_is_400(signed_in):
    _, access, _ = signed_in
    response = bearer(access).post(
        "/api/v1/auth/password/", {"current_password": "nope-nope-nope", "new_password": STRONG}, format="json"
    )
    assert response.status_code == 400
    assert error_codes(response) == [("password_incorrect", "current_password")]
    assert bearer(access).get("/api/v1/auth/me/").status_code == 200


def test_password_change_weak_new_password_is_400(signed_in):
    _, access, _ = signed_in
    response = bearer(access).post(
        "/api/v1/auth/password/", {"current_password": DEFAULT_PASSWORD, "new_password": "12345"}, format="json"
    )
    assert response.status_code == 400
    codes = error_codes(response)
    assert ("password_too_short", "new_password") in codes
    assert ("password_entirely_numeric", "new_password") in codes


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/auth/logout-all/"),
        ("post", "/api/v1/auth/password/"),
        ("get", "/api/v1/auth/me/"),
        ("patch", "/api/v1/auth/me/"),
        ("get", "/api/v1/auth/sessions/"),
        ("delete", "/api/v1/auth/sessions/0b6f2d9e-3c1a-4f7e-9a55-2f8d1c7e4b10/"),
    ],
)
def test_authenticated_endpoints_answer_401_without_or_with_bad_token(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")
    assert response.status_code == 401
    assert error_codes(response) == [("not_authenticated", None)]
    forged = bearer("eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.bad")
    response = getattr(forged, method)(path, {}, format="json")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"


def test_refresh_token_offered_as_bearer_is_401(signed_in):
    _, _, refresh = signed_in
    response = bearer(refresh).get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"


# --- me ---------------------------------------------------------------------------------------


def test_me_get_and_patch(auth_client, user):
    response = auth_client.get("/api/v1/auth/me/")
    assert response.status_code == 200
    assert set(response.json()) == USER_KEYS
    assert response.json()["email"] == user.email
    response = auth_client.patch(
        "/api/v1/auth/me/",
        {"name": "Renamed", "phone": "555-0101", "avatar": "https://img.example.com/a.png"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response.json()["phone"] == "555-0101"
    user.refresh_from_db()
    assert (user.name, user.phone, user.avatar) == ("Renamed", "555-0101", "https://img.example.com/a.png")
    # Clearing optional fields stores null.
    response = auth_client.patch("/api/v1/auth/me/", {"phone": "", "avatar": None}, format="json")
    assert response.json()["phone"] is None and response.json()["avatar"] is None


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"role": "admin"}, "role"),
        ({"email": "new@example.com"}, "email"),
        ({"is_active": False}, "is_active"),
        ({"name": ""}, "name"),
        ({"phone": "1" * 21}, "phone"),
        ({"avatar": "not a url"}, "avatar"),
        ({"name": ["x"]}, "name"),
    ],
)
def test_me_patch_rejects_read_only_and_invalid_fields(auth_client, user, body, attr):
    response = auth_client.patch("/api/v1/auth/me/", body, format="json")
    assert response.status_code == 400
    assert attr in [a for _, a in error_codes(response)]
    user.refresh_from_db()
    assert user.role == "member" and user.is_active


def test_me_put_is_405(auth_client):
    assert auth_client.put("/api/v1/auth/me/", {"name": "x"}, format="json").status_code == 405


# --- sessions ---------------------------------------------------------------------------------


def test_sessions_list_one_entry_per_live_family(api_client, user):
    first = login(api_client, user.email, HTTP_USER_AGENT="phone").json()
    login(api_client, user.email, HTTP_USER_AGENT="laptop")
    # Rotating twice keeps one session; its created_at stays that of the first token.
    refresh = first["refresh"]
    for _ in range(2):
        refresh = api_client.post("/api/v1/auth/refresh/", {"refresh": refresh}, format="json").json()["refresh"]
    # A revoked session is not listed.
    third = login(api_client, user.email, HTTP_USER_AGENT="dead").json()
    bearer(third["access"]).post("/api/v1/auth/logout/", {"refresh": third["refresh"]}, format="json")
    UserFactory()  # someone else's sessions never show
    access = login(api_client, user.email, HTTP_USER_AGENT="tablet").json()["access"]

    response = bearer(access).get("/api/v1/auth/sessions/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert [s["user_agent"] for s in body["results"]] == ["tablet", "laptop", "phone"]
    for session in body["results"]:
        assert set(session) == {"id", "created_at", "last_used_at", "user_agent", "ip"}
        assert session["ip"] == "127.0.0.1"
    phone = body["results"][2]
    family = RefreshToken.objects.filter(user=user, user_agent="phone").order_by("created_at")
    assert phone["id"] == str(family[0].family_id)
    assert family.count() == 3
    assert phone["created_at"] == family[0].created_at.isoformat().replace("+00:00", "Z")
    assert phone["last_used_at"] >= phone["created_at"]


def test_session_delete_revokes_it(api_client, user):
    phone = login(api_client, user.email, HTTP_USER_AGENT="phone").json()
    laptop = login(api_client, user.email, HTTP_USER_AGENT="laptop").json()
    family = RefreshToken.objects.get(user=user, user_agent="phone").family_id
    response = bearer(laptop["access"]).delete(f"/api/v1/auth/sessions/{family}/")
    assert response.status_code == 204
    assert api_client.post("/api/v1/auth/refresh/", {"refresh": phone["refresh"]}, format="json").status_code == 401
    assert bearer(phone["access"]).get("/api/v1/auth/me/").status_code == 401
    # The caller's own session survives: it refreshes and lists only itself.
    renewed = api_client.post("/api/v1/auth/refresh/", {"refresh": laptop["refresh"]}, format="json").json()
    listed = bearer(renewed["access"]).get("/api/v1/auth/sessions/").json()
    assert [s["user_agent"] for s in listed["results"]] == ["laptop"]
    # Deleting it again: no longer a live session.
    assert bearer(renewed["access"]).delete(f"/api/v1/auth/sessions/{family}/").status_code == 404


@pytest.mark.parametrize("session_id", ["not-a-uuid", "123", "6a3c1f0e-8d2b-4c5a-b7e9-1f4d2a6c8e03"])
def test_session_delete_unknown_or_malformed_is_404(auth_client, session_id):
    response = auth_client.delete(f"/api/v1/auth/sessions/{session_id}/")
    assert response.status_code == 404
    assert error_codes(response) == [("not_found", None)]


def test_session_delete_of_another_user_is_404_and_changes_nothing(api_client, auth_client):
    other = UserFactory()
    other_refresh = login(api_client, other.email).json()["refresh"]
    family = RefreshToken.objects.get(user=other).family_id
    response = auth_client.delete(f"/api/v1/auth/sessions/{family}/")
    assert response.status_code == 404
    assert api_client.post("/api/v1/auth/refresh/", {"refresh": other_refresh}, format="json").status_code == 200
