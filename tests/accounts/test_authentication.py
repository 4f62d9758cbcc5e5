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
