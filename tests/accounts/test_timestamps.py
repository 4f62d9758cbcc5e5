"""The timestamps written by one request are in order: one `now` per request, not one per row."""

from __future__ import annotations

import pytest
from django.utils.dateparse import parse_datetime

from accounts.models import RefreshToken, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_register_stamps_user_and_session_with_one_time(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "clock@example.com", "password": "a-Str0ng-passphrase-2026", "name": "Clock"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    created = parse_datetime(body["user"]["created_at"])
    assert parse_datetime(body["user"]["last_login_at"]) >= created

    user = User.objects.get(email="clock@example.com")
    assert user.created_at == user.last_login == user.updated_at
    token = RefreshToken.objects.get(user=user)
    assert token.created_at == token.last_used_at == user.created_at

    sessions = api_client.get("/api/v1/auth/sessions/", HTTP_AUTHORIZATION=f"Bearer {body['access']}").json()["results"]
    (session,) = sessions
    assert parse_datetime(session["last_used_at"]) >= parse_datetime(session["created_at"])


def test_login_stamps_last_login_and_the_new_session_with_one_time(api_client):
    user = UserFactory()
    response = api_client.post("/api/v1/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    user.refresh_from_db()
    token = RefreshToken.objects.get(user=user)
    assert token.created_at == token.last_used_at == user.last_login
