"""The request user kept in Redis (accounts.usercache): read with the throttle's counter in one
round trip, and forgotten by every path that changes a user, so revocation stays immediate.

Needs the Redis at 127.0.0.1:6379 (database 3); skipped where there is none. Without Redis (the
rest of the suite) every request reads the user row, as before."""

from __future__ import annotations

import io
import pickle
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.settings import api_settings

from accounts import services, staff, usercache
from accounts.models import RefreshToken, User
from accounts.tokens import access_token_for
from core.throttling import UserRateThrottle
from tests.conftest import client_for
from tests.core.test_throttling import _redis_up
from tests.factories import DEFAULT_PASSWORD, UserFactory

REDIS = "redis://127.0.0.1:6379/3"
pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")


@pytest.fixture
def redis_cache(monkeypatch):
    caches = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS, "KEY_PREFIX": uuid.uuid4().hex}
    }
    with override_settings(CACHES=caches):
        monkeypatch.setattr(UserRateThrottle, "cache", cache)
        yield cache


def _user_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "u"."id"') and 'FROM "users" u WHERE' in q["sql"]]


def _cached(user) -> bool:
    return cache.client.get_client(write=True).exists(usercache._keys(user.pk)[0]) == 1


@pytest.mark.django_db
def test_a_signed_in_request_reads_its_user_with_the_throttle_counter(redis_cache, monkeypatch):
    user = UserFactory()
    client = client_for(user)
    assert client.get("/api/v1/auth/me/").status_code == 200  # a miss: read and stored
    assert _cached(user)
    redis = cache.client.get_client(write=True)
    monkeypatch.setattr(type(redis), "mget", lambda *a, **k: pytest.fail("a second round trip"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/auth/me/")
    assert response.status_code == 200 and response.json()["id"] == str(user.pk)
    assert _user_reads(queries) == []


@pytest.mark.django_db
def test_the_throttle_still_counts_every_request(redis_cache, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/min"})
    client = client_for(UserFactory())
    assert [client.get("/api/v1/auth/me/").status_code for _ in range(4)] == [200, 200, 200, 429]


def _revoked(client) -> bool:
    response = client.get("/api/v1/auth/me/")
    return response.status_code == 401


def _deactivate_by_save(user) -> None:
    row = User.objects.get(pk=user.pk)
    row.is_active = False
    row.save()


PATHS = {
    "logout-all": lambda user, client: client.post("/api/v1/auth/logout-all/"),
    "password change": lambda user, client: client.post(
        "/api/v1/auth/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": "another-good-password-2026"},
        format="json",
    ),
    "staff deactivation": lambda user, client: staff.user_deactivate(user=user),
    "staff session revocation (update)": lambda user, client: staff.refresh_tokens_revoke(
        tokens=RefreshToken.objects.filter(user=user)
    ),
    "service logout-all": lambda user, client: services.user_logout_all(user=user),
    "ORM save (admin, commands, shell)": lambda user, client: _deactivate_by_save(user),
    "ORM delete": lambda user, client: User.objects.get(pk=user.pk).delete(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(PATHS))
def test_every_write_path_revokes_at_once(redis_cache, path):
    user = UserFactory()
    services.user_login(email=user.email, password=DEFAULT_PASSWORD, client=services.ClientInfo())
    client = client_for(user)
    assert client.get("/api/v1/auth/me/").status_code == 200 and _cached(user)
    PATHS[path](user, client)
    assert not _cached(user)
    assert _revoked(client), path


@pytest.mark.django_db
@pytest.mark.parametrize("named", [True, False], ids=["ids", "--all"])
def test_a_change_made_with_psql_is_seen_after_forget_cached_users(redis_cache, named):
    """No receiver sees a hand-written UPDATE: the cached row serves until the operator's command
    (or the entry's expiry), then the next request reads the row."""
    user, other = UserFactory(), UserFactory()
    client = client_for(user)
    assert client.get("/api/v1/auth/me/").status_code == 200 and _cached(user)
    assert client_for(other).get("/api/v1/auth/me/").status_code == 200 and _cached(other)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE users SET is_active = false WHERE id = %s", [user.pk])
    assert client.get("/api/v1/auth/me/").status_code == 200  # the documented window
    out = io.StringIO()
    call_command("forget_cached_users", *([str(user.pk)] if named else ["--all"]), stdout=out)
    assert "forgot" in out.getvalue()
    assert _revoked(client)
    assert _cached(other) is named  # --all drops every entry
    with pytest.raises(CommandError):
        call_command("forget_cached_users")


@pytest.mark.django_db
def test_a_profile_change_is_seen_by_the_next_request(redis_cache):
    user = UserFactory(name="Before")
    client = client_for(user)
    assert client.get("/api/v1/auth/me/").json()["name"] == "Before"
    assert client.patch("/api/v1/auth/me/", {"name": "After"}, format="json").status_code == 200
    assert client.get("/api/v1/auth/me/").json()["name"] == "After"


@pytest.mark.django_db
def test_the_admin_edit_is_seen_by_the_next_request(redis_cache):
    user = UserFactory()
    client = client_for(user)
    assert client.get("/api/v1/auth/me/").json()["role"] == "member"
    admin = UserFactory(is_staff=True, is_superuser=True)
    admin_client = Client()
    admin_client.force_login(admin)
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update({"role": "guest", "is_active": "on"})
    data = {key: value for key, value in data.items() if not isinstance(value, (list, dict))}
    data.pop("password", None)
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    assert client.get("/api/v1/auth/me/").json()["role"] == "guest"


@pytest.mark.django_db
def test_a_row_read_before_a_change_is_never_stored_after_it(redis_cache):
    """The race the generation counter closes: a request misses, reads the old row, the change is
    committed and forgotten, then the request tries to store what it read."""
    user = UserFactory()
    redis = cache.client.get_client(write=True)
    entry_key, generation_key = usercache._keys(user.pk)
    generation = redis.get(generation_key)  # what the missing request read with its miss
    stale = pickle.dumps(User.objects.get(pk=user.pk))
    usercache.user_cache_forget([user.pk])  # a write path, meanwhile
    stored = usercache._script(redis, usercache._STORE)(
        keys=[entry_key, generation_key], args=[stale, generation or b"", 60]
    )
    assert stored == 0 and not _cached(user)


@pytest.mark.django_db(transaction=True)
def test_a_change_in_one_process_is_seen_by_every_gunicorn_worker(tmp_path):
    """Two gunicorn workers (two threads each) with REDIS_URL: both hold the user in the shared
    cache; a deactivation written by THIS process (the ORM, as the admin or a command would) is
    seen by the next request in any worker."""
    from tests.ops.servers import database_url, run_gunicorn

    user = UserFactory()
    prefix = uuid.uuid4().hex
    with run_gunicorn(
        tmp_path,
        database_url(connection.settings_dict),
        REDIS_URL=REDIS,
        CACHE_KEY_PREFIX=prefix,
        SECRET_KEY=settings.SECRET_KEY,
        GUNICORN_WORKERS="2",
    ) as server:
        access = access_token_for(user)  # signed with the key the server was given
        headers = {"Authorization": f"Bearer {access}"}
        assert {server.get("/api/v1/auth/me/", headers=headers)[0] for _ in range(40)} == {200}
        with override_settings(
            CACHES={"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS, "KEY_PREFIX": prefix}}
        ):
            assert _cached(user)
            row = User.objects.get(pk=user.pk)
            row.is_active = False
            row.save()
            assert not _cached(user)
        assert {server.get("/api/v1/auth/me/", headers=headers)[0] for _ in range(40)} == {401}
