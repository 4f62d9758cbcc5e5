"""Sign-out, sessions, password and profile over HTTP (split from test_api.py)."""

from __future__ import annotations

import pytest

from accounts.models import RefreshToken, RevokeReason
from tests.accounts.helpers import STRONG, USER_KEYS, bearer, error_codes, login
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


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
