"""Refresh-token lifecycle against real PostgreSQL: rotation, reuse detection (committed), grace,
family cap, races, storage as hashes only, hash counts (pitfall 15), deactivation."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services, staff
from accounts.models import RefreshToken, RevokeReason, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

REFRESH = "/api/v1/auth/refresh/"


def login(client: APIClient, user) -> dict:
    response = client.post("/api/v1/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def refresh(client: APIClient, token: str):
    return client.post(REFRESH, {"refresh": token}, format="json")


def me(access: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/v1/auth/me/").status_code


@pytest.mark.django_db
def test_rotation_chain_keeps_one_live_token_per_family(api_client, user):
    token = login(api_client, user)["refresh"]
    for _ in range(5):
        response = refresh(api_client, token)
        assert response.status_code == 200
        token = response.json()["refresh"]
    rows = list(RefreshToken.objects.filter(user=user).order_by("created_at"))
    assert len(rows) == 6
    assert len({row.family_id for row in rows}) == 1
    assert [row.parent_id for row in rows[1:]] == [row.pk for row in rows[:-1]]
    assert sum(row.is_live for row in rows) == 1 and rows[-1].is_live


@pytest.mark.django_db(transaction=True)
def test_reuse_of_a_spent_token_revokes_the_family_and_commits(api_client, user, caplog):
    first = login(api_client, user)["refresh"]
    second = refresh(api_client, first).json()["refresh"]
    third = refresh(api_client, second).json()["refresh"]
    other_session = login(api_client, user)["refresh"]

    with caplog.at_level(logging.WARNING, logger="bookwork.security"):
        response = refresh(api_client, first)  # the thief (or the victim) replays a spent token
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"
    # Committed: a fresh connection sees the whole family revoked for reuse.
    connection.close()
    family = RefreshToken.objects.get(token_hash=hashlib.sha256(first.encode()).hexdigest()).family_id
    rows = RefreshToken.objects.filter(family_id=family)
    assert rows.count() == 3
    assert set(rows.values_list("is_revoked", "revoked_reason")) == {(True, RevokeReason.REUSE_DETECTED)}
    # Even the newest token of that family is dead now; other sessions are untouched.
    assert refresh(api_client, third).status_code == 401
    assert refresh(api_client, other_session).status_code == 200
    # Logged as a security event, without the raw token.
    records = [r for r in caplog.records if r.name == "bookwork.security" and r.levelno == logging.WARNING]
    assert len(records) == 1
    assert records[0].family_id == str(family)
    assert records[0].user_id == str(user.pk)
    for record in caplog.records:
        text = record.getMessage() + " " + " ".join(str(value) for value in record.__dict__.values())
        assert first not in text and second not in text


@pytest.mark.django_db
def test_grace_period_accepts_only_the_immediately_previous_token(api_client, user, settings):
    settings.REFRESH_REUSE_GRACE_SECONDS = 30
    first = login(api_client, user)["refresh"]
    second = refresh(api_client, first).json()["refresh"]
    # A client that lost the response retries with `first` within the grace period: served.
    retried = refresh(api_client, first)
    assert retried.status_code == 200
    assert retried.json()["refresh"] not in (first, second)
    # Now `first` is two tokens back: no grace, reuse detected, family revoked.
    assert refresh(api_client, first).status_code == 401
    assert refresh(api_client, retried.json()["refresh"]).status_code == 401
    assert not RefreshToken.objects.filter(user=user, is_revoked=False).exists()


@pytest.mark.django_db
def test_grace_period_expires(api_client, user, settings):
    settings.REFRESH_REUSE_GRACE_SECONDS = 5
    first = login(api_client, user)["refresh"]
    refresh(api_client, first)
    RefreshToken.objects.filter(used_at__isnull=False).update(used_at=timezone.now() - timedelta(seconds=6))
    assert refresh(api_client, first).status_code == 401
    assert not RefreshToken.objects.filter(user=user, is_revoked=False).exists()


@pytest.mark.django_db
def test_no_grace_by_default(api_client, user, settings):
    assert settings.REFRESH_REUSE_GRACE_SECONDS == 0
    first = login(api_client, user)["refresh"]
    second = refresh(api_client, first).json()["refresh"]
    assert refresh(api_client, first).status_code == 401
    assert refresh(api_client, second).status_code == 401


@pytest.mark.django_db
def test_family_cap_cannot_be_extended_by_rotation(api_client, user, settings):
    token = login(api_client, user)["refresh"]
    row = RefreshToken.objects.get(user=user)
    assert abs(row.family_expires_at - row.created_at - settings.REFRESH_FAMILY_MAX_AGE) < timedelta(seconds=5)
    assert abs(row.expires_at - row.created_at - settings.REFRESH_TOKEN_LIFETIME) < timedelta(seconds=5)
    # Near the cap, the successor expires with the family, not a full lifetime later.
    cap = timezone.now() + timedelta(hours=1)
    RefreshToken.objects.filter(pk=row.pk).update(family_expires_at=cap)
    token = refresh(api_client, token).json()["refresh"]
    successor = RefreshToken.objects.get(user=user, used_at__isnull=True)
    assert successor.expires_at == cap == successor.family_expires_at
    # Past the cap, the session is over.
    RefreshToken.objects.filter(pk=successor.pk).update(family_expires_at=timezone.now() - timedelta(seconds=1))
    assert refresh(api_client, token).status_code == 401


@pytest.mark.django_db
def test_expired_row_is_401_even_if_jwt_is_still_valid(api_client, user):
    token = login(api_client, user)["refresh"]
    RefreshToken.objects.update(
        expires_at=timezone.now() - timedelta(seconds=1), created_at=timezone.now() - timedelta(days=1)
    )
    assert refresh(api_client, token).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_with_one_token_have_exactly_one_winner():
    """Stock SimpleJWT let 3-8 of 8 concurrent refreshes succeed; here exactly one may."""
    user = UserFactory()
    token = login(APIClient(), user)["refresh"]
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results: list[int] = []
    lock = threading.Lock()

    def worker():
        try:
            client = APIClient()
            barrier.wait()
            status = refresh(client, token).status_code
            with lock:
                results.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [401] * (threads_count - 1)
    # The losers presented a spent token: reuse, so the winner's new token was revoked as well.
    assert RefreshToken.objects.filter(user=user).count() == 2
    assert not RefreshToken.objects.filter(user=user, is_revoked=False).exists()
    assert RefreshToken.objects.filter(user=user, parent__isnull=False).count() == 1


@pytest.mark.django_db
def test_raw_tokens_never_reach_the_refresh_tokens_table(api_client, user):
    tokens = [login(api_client, user)["refresh"]]
    tokens.append(refresh(api_client, tokens[0]).json()["refresh"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM refresh_tokens")
        rows = cursor.fetchall()
    assert len(rows) == 2
    dump = "\n".join(str(value) for row in rows for value in row)
    for raw in tokens:
        assert raw not in dump
        # Not even the signature or payload segments.
        for segment in raw.split("."):
            assert segment not in dump
        assert hashlib.sha256(raw.encode()).hexdigest() in dump


@pytest.mark.django_db
def test_login_hashes_once_and_refresh_never(api_client, settings, monkeypatch):
    """Pitfall 15: two password hashes per login and one per stored token made logins slow."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = UserFactory()
    inactive = UserFactory(is_active=False)
    calls: list[str] = []
    original_verify, original_encode = Argon2PasswordHasher.verify, Argon2PasswordHasher.encode
    monkeypatch.setattr(
        Argon2PasswordHasher, "verify", lambda self, *a: calls.append("verify") or original_verify(self, *a)
    )
    monkeypatch.setattr(
        Argon2PasswordHasher, "encode", lambda self, *a: calls.append("encode") or original_encode(self, *a)
    )

    for email, password, status in [
        (user.email, DEFAULT_PASSWORD, 200),
        (user.email, "wrong-password-1", 401),
        ("unknown@example.com", DEFAULT_PASSWORD, 401),
        (inactive.email, DEFAULT_PASSWORD, 401),
    ]:
        calls.clear()
        response = api_client.post("/api/v1/auth/login/", {"email": email, "password": password}, format="json")
        assert response.status_code == status
        assert len(calls) == 1, (email, calls)

    token = api_client.post(
        "/api/v1/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    ).json()["refresh"]
    calls.clear()
    assert refresh(api_client, token).status_code == 200
    assert calls == []


def app_queries(captured) -> list[str]:
    """Queries of the request itself: without throttle-counter traffic to the database cache, and
    without the audit context that django-pghistory sends ahead of each write (core/context.py)."""
    return [
        re.sub(r"^SELECT set_config\('pghistory\.context_id'.*?; ", "", q["sql"])
        for q in captured.captured_queries
        if "django_cache" not in q["sql"] and "SAVEPOINT" not in q["sql"] and "pg_advisory" not in q["sql"]
    ]


@pytest.mark.django_db
def test_login_updates_last_login_with_update_fields(api_client, user):
    with CaptureQueriesContext(connection) as captured:
        login(api_client, user)
    queries = app_queries(captured)
    # user lookup, last_login update, refresh-token insert
    assert len(queries) == 3, queries
    updates = [sql for sql in queries if sql.startswith('UPDATE "users"')]
    assert len(updates) == 1
    assert '"last_login_at"' in updates[0] and '"name"' not in updates[0] and '"password_hash"' not in updates[0]


@pytest.mark.django_db
def test_authenticated_request_costs_no_extra_query_for_the_version_check(auth_client):
    with CaptureQueriesContext(connection) as captured:
        assert auth_client.get("/api/v1/auth/me/").status_code == 200
    queries = app_queries(captured)
    assert len(queries) == 1 and 'FROM "users" u WHERE u.id =' in queries[0]  # the row authentication loads anyway


@pytest.mark.django_db
def test_deactivation_kills_sessions_and_access_tokens(api_client, user):
    from events.availability.models import Availability

    pair = login(api_client, user)
    assert me(pair["access"]) == 200
    staff.user_deactivate(user=user)
    user.refresh_from_db()
    assert not user.is_active
    assert me(pair["access"]) == 401
    assert refresh(api_client, pair["refresh"]).status_code == 401
    assert set(RefreshToken.objects.filter(user=user).values_list("revoked_reason", flat=True)) == {
        RevokeReason.DEACTIVATED
    }
    assert (
        api_client.post(
            "/api/v1/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
        ).status_code
        == 401
    )
    assert not Availability.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_deactivation_releases_event_seats(user):
    """The deactivated user's seat goes to the first waitlisted RSVP (events.availability service)."""
    from events.availability import services as availability_services
    from events.availability.models import Availability
    from tests.factories import ClubMemberFactory, EventFactory

    event = EventFactory(max_attendees=1)
    waiting = UserFactory()
    for member in (user, waiting):
        ClubMemberFactory(club=event.club, user=member)
    for member in (user, waiting):
        availability_services.availability_set(event_id=event.pk, user=member, status="available")
    assert Availability.objects.get(event=event, user=waiting).waitlisted

    staff.user_deactivate(user=user)

    assert not Availability.objects.filter(event=event, user=user).exists()
    assert not Availability.objects.get(event=event, user=waiting).waitlisted


@pytest.mark.django_db
def test_users_token_version_is_bumped_not_reset(user):
    before = User.objects.get(pk=user.pk).token_version
    services.user_logout_all(user=user)
    services.user_logout_all(user=user)
    assert User.objects.get(pk=user.pk).token_version == before + 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_with_one_email_create_one_user_and_no_500():
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    results: list[int] = []
    lock = threading.Lock()

    def worker(i: int):
        try:
            client = APIClient()
            barrier.wait()
            response = client.post(
                "/api/v1/auth/register/",
                {"email": f"Same.Person@Example.com{' ' * i}", "password": "a-Str0ng-passphrase-2026", "name": "S"},
                format="json",
            )
            with lock:
                results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201] + [400] * (threads_count - 1)
    assert User.objects.filter(email="same.person@example.com").count() == 1
