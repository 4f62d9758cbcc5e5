"""Staff side of accounts: admin pages and actions, cleanup_tokens, createsuperuser, OpenAPI."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import RefreshToken, RevokeReason, User
from tests.factories import DEFAULT_PASSWORD, RefreshTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    staff = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email.upper(), "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, "staff sign in to the admin with email + password"
    return client


def api_login(user) -> dict:
    response = APIClient().post(
        "/api/v1/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    return response.json()


def test_admin_login_rejects_non_staff_and_wrong_password():
    user = UserFactory()
    client = Client()
    assert client.post("/admin/login/", {"username": user.email, "password": DEFAULT_PASSWORD}).status_code == 200
    assert client.get("/admin/").status_code == 302


def test_user_admin_pages(staff_client):
    user = UserFactory(name="Findable Person")
    for url in [
        "/admin/accounts/user/",
        "/admin/accounts/user/?q=findable",
        "/admin/accounts/user/?role__exact=member&is_active__exact=1&is_staff__exact=0",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{user.pk}/change/",
        f"/admin/accounts/user/{user.pk}/password/",
    ]:
        response = staff_client.get(url)
        assert response.status_code == 200, url
    change = staff_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert "../password/" in change
    listing = staff_client.get("/admin/accounts/user/?q=findable").content.decode()
    assert user.email in listing


def test_user_admin_add_form_creates_user_with_lowercase_email(staff_client):
    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "Added.Person@Example.com",
            "name": "Added",
            "password1": "a-Str0ng-passphrase",
            "password2": "a-Str0ng-passphrase",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="added.person@example.com")
    assert user.check_password("a-Str0ng-passphrase")


def test_user_admin_deactivate_action_signs_out_everywhere(staff_client):
    user = UserFactory()
    pair = api_login(user)
    response = staff_client.post(
        "/admin/accounts/user/",
        {"action": "deactivate_and_sign_out", "_selected_action": [str(user.pk)]},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert client.post("/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401
    assert set(RefreshToken.objects.filter(user=user).values_list("revoked_reason", flat=True)) == {
        RevokeReason.DEACTIVATED
    }


def test_refresh_token_admin_shows_short_hash_and_state_never_the_token(staff_client, django_assert_max_num_queries):
    user = UserFactory()
    raw = api_login(user)["refresh"]
    for _ in range(5):
        RefreshTokenFactory(user=UserFactory())
    token = RefreshToken.objects.get(user=user)
    with django_assert_max_num_queries(15):
        listing = staff_client.get("/admin/accounts/refreshtoken/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert token.token_hash[:12] in page
    assert token.token_hash not in page
    assert raw not in page
    assert "live" in page
    detail = staff_client.get(f"/admin/accounts/refreshtoken/{token.pk}/change/")
    assert detail.status_code == 200
    assert token.token_hash not in detail.content.decode() and raw not in detail.content.decode()
    for state in ("live", "used", "revoked", "expired"):
        assert staff_client.get(f"/admin/accounts/refreshtoken/?state={state}").status_code == 200
    assert staff_client.get("/admin/accounts/refreshtoken/add/").status_code == 403


def test_refresh_token_admin_revoke_action(staff_client):
    user = UserFactory()
    pair = api_login(user)
    token = RefreshToken.objects.get(user=user)
    response = staff_client.post(
        "/admin/accounts/refreshtoken/", {"action": "revoke", "_selected_action": [str(token.pk)]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_revoked and token.revoked_reason == RevokeReason.ADMIN
    assert APIClient().post("/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401


# --- cleanup_tokens ------------------------------------------------------------------------------


def _token(**fields) -> RefreshToken:
    """A token row with the given state; created 60 days ago (one UPDATE, so the CHECK that expiry
    follows creation holds for the final row)."""
    token = RefreshTokenFactory()
    RefreshToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - timedelta(days=60), **fields)
    return token


def test_cleanup_tokens_deletes_only_what_no_longer_matters(settings, capsys):
    settings.TOKEN_CLEANUP_RETENTION = timedelta(days=7)
    now = timezone.now()
    long_ago = now - timedelta(days=10)
    keep = {
        "live": _token(),
        "recently_revoked": _token(is_revoked=True, revoked_at=now - timedelta(days=1)),
        "recently_expired": _token(expires_at=now - timedelta(days=1)),
        # Spent and expired long ago, but its family's cap is still ahead: reuse must stay detectable.
        "spent_in_live_family": _token(
            used_at=long_ago, expires_at=long_ago, family_expires_at=now + timedelta(days=5)
        ),
    }
    gone = {
        "revoked_long_ago": _token(is_revoked=True, revoked_at=long_ago),
        "expired_long_ago": _token(expires_at=long_ago),
        "spent_family_over": _token(
            used_at=long_ago - timedelta(days=1), expires_at=long_ago, family_expires_at=long_ago
        ),
    }

    call_command("cleanup_tokens", "--dry-run")
    assert "would delete 3 refresh token(s)" in capsys.readouterr().out
    assert RefreshToken.objects.count() == 7

    call_command("cleanup_tokens", "--batch-size", "2")
    assert "deleted 3 refresh token(s)" in capsys.readouterr().out
    remaining = set(RefreshToken.objects.values_list("pk", flat=True))
    assert remaining == {token.pk for token in keep.values()}
    assert not remaining & {token.pk for token in gone.values()}

    call_command("cleanup_tokens")
    assert "deleted 0 refresh token(s)" in capsys.readouterr().out


def test_cleanup_keeps_reuse_detection_working(settings):
    """After cleanup, replaying a spent token of a live family is still recognised as reuse."""
    settings.TOKEN_CLEANUP_RETENTION = timedelta(0)
    user = UserFactory()
    client = APIClient()
    first = api_login(user)["refresh"]
    second = client.post("/api/v1/auth/refresh/", {"refresh": first}, format="json").json()["refresh"]
    call_command("cleanup_tokens")
    assert RefreshToken.objects.filter(token_hash=hashlib.sha256(first.encode()).hexdigest()).exists()
    assert client.post("/api/v1/auth/refresh/", {"refresh": first}, format="json").status_code == 401
    assert client.post("/api/v1/auth/refresh/", {"refresh": second}, format="json").status_code == 401


def test_cleanup_rejects_bad_batch_size():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("cleanup_tokens", "--batch-size", "0")


# --- createsuperuser -----------------------------------------------------------------------------


def test_createsuperuser_with_email(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an-Admin-passphrase-2026")
    call_command("createsuperuser", interactive=False, email="Boss@Example.com", name="Boss", verbosity=0)
    boss = User.objects.get(email="boss@example.com")
    assert boss.is_superuser and boss.is_staff and boss.is_active
    assert boss.role == "admin"
    assert boss.check_password("an-Admin-passphrase-2026")
    assert (
        Client()
        .post("/admin/login/", {"username": "boss@example.com", "password": "an-Admin-passphrase-2026"})
        .status_code
        == 302
    )


# --- OpenAPI -------------------------------------------------------------------------------------


def test_openapi_documents_every_auth_endpoint():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    expected = {
        "/api/v1/auth/register/": {"post": {"201", "400", "429"}},
        "/api/v1/auth/login/": {"post": {"200", "400", "401", "429"}},
        "/api/v1/auth/refresh/": {"post": {"200", "400", "401"}},
        "/api/v1/auth/logout/": {"post": {"204", "400", "401"}},
        "/api/v1/auth/logout-all/": {"post": {"204", "401"}},
        "/api/v1/auth/password/": {"post": {"204", "400", "401"}},
        "/api/v1/auth/me/": {"get": {"200", "401"}, "patch": {"200", "400", "401"}},
        "/api/v1/auth/sessions/": {"get": {"200", "401"}},
        "/api/v1/auth/sessions/{session_id}/": {"delete": {"204", "401", "404"}},
    }
    for path, methods in expected.items():
        assert path in paths, path
        for method, statuses in methods.items():
            operation = paths[path][method]
            assert statuses <= set(operation["responses"]), (path, method, operation["responses"].keys())
    public = {"/api/v1/auth/register/", "/api/v1/auth/login/", "/api/v1/auth/refresh/"}
    for path in public:
        assert paths[path]["post"].get("security", []) in ([], [{}])
    assert {"jwtAuth": []} in paths["/api/v1/auth/me/"]["get"]["security"]
    login_body = schema["components"]["schemas"]["TokenPair"]["properties"]
    assert set(login_body) == {"user", "access", "refresh"}
    user = schema["components"]["schemas"]["User"]["properties"]
    assert set(user) == {"id", "email", "name", "phone", "avatar", "role", "is_active", "last_login_at", "created_at"}
    sessions = paths["/api/v1/auth/sessions/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert sessions["$ref"].endswith("PaginatedSessionList")
