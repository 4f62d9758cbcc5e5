"""The per-request throttle's Redis counter (core.throttling): the limit holds per user, the
429 says how long is left, and it costs one round trip without DRF's cache get and set.

Needs the Redis at 127.0.0.1:6379 that this machine runs (docs: README, "Two commands"); skipped
where there is none, as on a machine with only Python."""

from __future__ import annotations

import socket
import uuid

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from core.throttling import UserRateThrottle, window_count
from tests.conftest import client_for
from tests.factories import UserFactory

REDIS = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379"),
    pytest.mark.django_db,
]


@pytest.fixture
def redis_cache(monkeypatch):
    caches = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    with override_settings(CACHES=caches):
        monkeypatch.setattr(UserRateThrottle, "cache", cache)
        monkeypatch.setattr(
            UserRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/min"}
        )
        yield cache


def test_the_limit_holds_per_user_and_the_429_says_what_is_left(redis_cache):
    first, second = client_for(UserFactory()), client_for(UserFactory())
    assert [first.get("/api/v1/auth/me/").status_code for _ in range(3)] == [200, 200, 200]
    refused = first.get("/api/v1/auth/me/")
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert second.get("/api/v1/auth/me/").status_code == 200  # a bucket per user


def test_one_round_trip_and_no_pickled_history(redis_cache, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the counter must not read or write DRF's history")

    monkeypatch.setattr(redis_cache, "get", forbidden)
    monkeypatch.setattr(redis_cache, "set", forbidden)
    assert client_for(UserFactory()).get("/api/v1/auth/me/").status_code == 200


def test_the_window_opens_once_and_expires(redis_cache):
    key = f"k-{uuid.uuid4().hex}"
    assert window_count(redis_cache, key, 30) == (1, 30)
    count, ttl = window_count(redis_cache, key, 30)
    assert count == 2 and 1 <= ttl <= 30  # the second request does not reopen the window
    raw = redis_cache.client.get_client(write=True)
    assert raw.ttl(redis_cache.make_and_validate_key(f"count:{key}")) > 0  # never a counter without expiry


def test_a_key_left_by_drfs_history_does_not_break_the_counter(redis_cache):
    """After an upgrade the cache still holds DRF's pickled lists under the throttle's keys."""
    user = UserFactory()
    throttle = UserRateThrottle()
    redis_cache.set(throttle.cache_format % {"scope": "user", "ident": str(user.pk)}, [1.0, 2.0], 60)
    assert client_for(user).get("/api/v1/auth/me/").status_code == 200


def test_without_redis_it_is_drfs_history():
    assert window_count(cache, "any", 60) is None  # the tests' default cache is the database's


def test_the_calendar_feed_throttle_is_a_counter_too(redis_cache, monkeypatch):
    """Calendar apps poll the feed all day: its per-address throttle counts in the same Redis
    window (no pickled history read and written per fetch), and still refuses over its limit."""
    from accounts.feeds import calendar_feed_token
    from events.feed import CalendarFeedThrottle

    monkeypatch.setattr(CalendarFeedThrottle, "cache", redis_cache)
    monkeypatch.setattr(
        CalendarFeedThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "calendar_feed": "2/min"}
    )
    url = f"/calendar/{calendar_feed_token(user=UserFactory())}.ics"
    keys = []
    for name in ("get", "set"):
        plain = getattr(redis_cache, name)
        monkeypatch.setattr(
            redis_cache, name, lambda key, *a, plain=plain, **k: keys.append(key) or plain(key, *a, **k)
        )
    client = APIClient()
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert keys and not [key for key in keys if "calendar_feed" in key]  # only the built feed's text
