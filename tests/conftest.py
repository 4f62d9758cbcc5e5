"""Shared fixtures. Every test runs against real PostgreSQL (the embedded server or DATABASE_URL)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.browser import browser  # noqa: F401  (the headless Chromium fixture of the browser tests)
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.tracing_helpers import provider  # noqa: F401 (the in-memory tracing fixture)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that are not about hashing use MD5 to stay fast.
    Tests about Argon2 itself override PASSWORD_HASHERS again."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Production uses WhiteNoise's manifest storage, which needs `collectstatic` first; admin
    pages rendered in tests only need the unhashed names."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Throttle counters live in the shared cache; start every database test with none."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
        from django.core.cache import caches

        for alias in ("default", "representations"):
            caches[alias].clear()


@pytest.fixture(autouse=True)
def _stamps_at_once(request):
    """Version stamps (clubs/migrations/0007_cache_stamps.py) are bumped by deferred triggers, at
    commit, once per transaction; a test in a TestCase transaction never commits, so in those
    tests the stamp triggers fire at the end of each statement and bump at every write
    (`bookwork.stamp_every_write`), and a read after a write sees the new stamp.
    Tests with `transaction=True` commit for real and see the deferred behaviour. The in-process
    copies of cached representations start empty in every test."""
    from core import representations

    representations.clear_local()
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
    if uses_db and not transactional:
        request.getfixturevalue("db")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(STAMP_TRIGGERS_IMMEDIATE)
            # One transaction for the whole test: bump at every write, not once per transaction.
            cursor.execute("SET LOCAL bookwork.stamp_every_write = 'on'")
    yield
    representations.clear_local()


# The derived scopes' triggers (core.migration_sql.derived_stamp_trigger and friends).
DERIVED_TRIGGERS = (
    *("cache_stamp_refresh_tokens", "cache_stamp_users_derived", "cache_stamp_clubs_derived"),
    *("cache_stamp_notifications", "cache_stamp_notification_email_preferences"),
    *("cache_stamp_books", "cache_stamp_reading_entries"),
    *("cache_stamp_polls", "cache_stamp_poll_options", "cache_stamp_poll_ballots"),
    *("cache_stamp_club_join_requests", "cache_stamp_club_invites", "cache_stamp_users_joins"),
    *("cache_stamp_webhooks", "cache_stamp_webhook_attempts", "cache_stamp_users_staff"),
)
STAMP_TRIGGERS_IMMEDIATE = (
    "SET CONSTRAINTS cache_stamp_clubs, cache_stamp_club_members, cache_stamp_users, cache_stamp_events, "
    "cache_stamp_availability, cache_stamp_users_rsvps, cache_stamp_event_items, "
    + ", ".join(DERIVED_TRIGGERS)
    + " IMMEDIATE"
)


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


def client_for(user) -> APIClient:
    """An API client signed in as `user` with a real access token."""
    from accounts.tokens import access_token_for

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return client


@pytest.fixture
def auth_client(user) -> APIClient:
    return client_for(user)
