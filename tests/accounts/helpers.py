"""Helpers of the accounts API tests (test_api.py, test_sessions_api.py)."""

from __future__ import annotations

from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD

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
