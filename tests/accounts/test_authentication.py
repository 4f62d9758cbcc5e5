"""Bearer authentication reads the user with `accounts.selectors.user_get_by_id` instead of
SimpleJWT's ORM lookup; the answers must be SimpleJWT's, code for code."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt import authentication as simplejwt_authentication
from rest_framework_simplejwt import settings as simplejwt_settings
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tokens import TOKEN_VERSION_CLAIM, access_token_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _me(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/api/v1/auth/me/")


def _code(response) -> str:
    return response.json()["errors"][0]["code"]


def test_valid_token_signs_the_user_in():
    user = UserFactory()
    response = _me(access_token_for(user))
    assert response.status_code == 200 and response.json()["id"] == str(user.pk)


def test_deleted_user_is_user_not_found():
    user = UserFactory()
    token = access_token_for(user)
    User.objects.filter(pk=user.pk).delete()
    response = _me(token)
    assert response.status_code == 401 and _code(response) == "user_not_found"


def test_inactive_user_with_a_current_version_is_user_inactive():
    user = UserFactory()
    token = access_token_for(user)
    User.objects.filter(pk=user.pk).update(is_active=False)  # behind the services' back: version unchanged
    response = _me(token)
    assert response.status_code == 401 and _code(response) == "user_inactive"


def test_token_without_a_user_claim_is_token_not_valid():
    token = AccessToken()
    token[TOKEN_VERSION_CLAIM] = 0
    response = _me(str(token))
    assert response.status_code == 401 and _code(response) == "token_not_valid"


def test_token_with_a_malformed_user_id_is_user_not_found():
    token = AccessToken()
    token["user_id"] = "not-a-uuid"
    token[TOKEN_VERSION_CLAIM] = 0
    response = _me(str(token))
    assert response.status_code == 401 and _code(response) == "user_not_found"


def test_stale_version_is_token_not_valid():
    user = UserFactory()
    token = access_token_for(user)
    User.objects.filter(pk=user.pk).update(token_version=user.token_version + 1)
    response = _me(token)
    assert response.status_code == 401 and _code(response) == "token_not_valid"


def test_other_simplejwt_settings_take_simplejwts_own_path(settings, monkeypatch):
    # CHECK_REVOKE_TOKEN needs a password-hash claim our tokens do not carry: SimpleJWT's own
    # get_user refuses them, which shows the shortcut stepped aside. (SimpleJWT's modules bind
    # `api_settings` at import, so both references are replaced.)
    user = UserFactory()
    token = access_token_for(user)
    changed = simplejwt_settings.APISettings(
        {**settings.SIMPLE_JWT, "CHECK_REVOKE_TOKEN": True},
        simplejwt_settings.DEFAULTS,
        simplejwt_settings.IMPORT_STRINGS,
    )
    monkeypatch.setattr(simplejwt_settings, "api_settings", changed)
    monkeypatch.setattr(simplejwt_authentication, "api_settings", changed)
    response = _me(token)
    assert response.status_code == 401 and _code(response) == "password_changed"


# --- verified tokens kept per process (accounts.authentication._verified) ----------------------
def test_a_verified_token_is_decoded_once(monkeypatch):
    from accounts import authentication

    user = UserFactory()
    token = access_token_for(user)
    assert _me(token).status_code == 200
    assert token.encode() in authentication._verified
    decodes = []
    monkeypatch.setattr(AccessToken, "__init__", lambda *args, **kwargs: decodes.append(args))
    assert _me(token).status_code == 200
    assert decodes == []


def test_a_kept_token_that_expired_since_is_refused_like_any_expired_token():
    from accounts import authentication

    user = UserFactory()
    token = AccessToken(access_token_for(user))
    token["exp"] = int(token.current_time.timestamp()) - 3600
    expired = str(token)
    uncached = _me(expired)
    assert uncached.status_code == 401 and _code(uncached) == "token_not_valid"
    assert expired.encode() not in authentication._verified
    # As if it had been verified while it was still valid: the expiry is checked again on use.
    authentication._verified[expired.encode()] = AccessToken(expired, verify=False)
    cached = _me(expired)
    assert (cached.status_code, cached.json()) == (uncached.status_code, uncached.json())
    assert expired.encode() not in authentication._verified


def test_revocation_is_immediate_for_a_kept_token():
    from accounts import services

    user = UserFactory()
    token = access_token_for(user)
    assert _me(token).status_code == 200 and _me(token).status_code == 200
    services.user_logout_all(user=user)
    response = _me(token)
    assert response.status_code == 401 and _code(response) == "token_not_valid"


def test_a_forged_signature_is_never_taken_from_the_kept_tokens():
    user = UserFactory()
    token = access_token_for(user)
    assert _me(token).status_code == 200
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = _me(forged)
    assert response.status_code == 401 and _code(response) == "token_not_valid"


def test_signing_settings_change_forgets_the_kept_tokens(settings):
    from accounts import authentication

    user = UserFactory()
    token = access_token_for(user)
    assert _me(token).status_code == 200
    assert authentication._verified
    # (SimpleJWT's own token backend is built once at import; the kept tokens follow any reload.)
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": "another-signing-key-" * 4}
    assert authentication._verified == {}
