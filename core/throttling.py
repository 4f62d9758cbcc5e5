"""Throttles whose counters live in the shared cache (Redis or the database cache), never in a
per-process memory cache, so every gunicorn worker and host counts against one limit.

The client IP comes from DRF's `get_ident`, which honours `NUM_PROXIES` trusted proxies, so a
forged `X-Forwarded-For` cannot give a caller a fresh bucket.
"""

from __future__ import annotations

from rest_framework import throttling

# One atomic command: INCR, then EXPIRE if this request opened the window, then the TTL. A Lua
# script (EVALSHA after the first call) is one command and one reply; MULTI/EXEC of SET NX, INCR
# and TTL would be five replies to parse on every request.
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local result = {count, ttl}
for i = 2, #KEYS do result[i + 1] = redis.call('GET', KEYS[i]) end
return result
"""
_scripts: dict[int, object] = {}


def window_count(cache, key: str, duration: int) -> tuple[int, int] | None:
    """Count one request in the fixed window of `duration` seconds that `key`'s first request
    opened, in Redis, in one round trip: `(requests in the window so far, seconds until it
    closes)`. None when the cache is not django-redis (the caller falls back to DRF's history).

    The script runs atomically in Redis, so the counter is never left without an expiry (a key
    found without one, which nothing here writes, gets it back)."""
    counted = window_count_and_read(cache, key, duration, ())
    return None if counted is None else counted[:2]


def window_count_and_read(cache, key: str, duration: int, read: tuple[str, ...]) -> tuple[int, int, list] | None:
    """`window_count`, and in the same round trip the values (bytes, or None) of the cache keys
    `read` (full keys: `cache.make_and_validate_key`), so a caller that needs both pays one round
    trip (the user of the request: `accounts.usercache`)."""
    client = getattr(cache, "client", None)
    if not hasattr(client, "get_client"):
        return None
    redis = client.get_client(write=True)
    script = _scripts.get(id(redis))
    if script is None:
        script = _scripts[id(redis)] = redis.register_script(_COUNT)
    # Its own key space: the same key may still hold DRF's pickled history (written before an
    # upgrade, or by the database-cache path), which INCR would refuse.
    reply = script(keys=[cache.make_and_validate_key(f"count:{key}"), *read], args=[duration])
    values = list(reply[2:]) + [None] * (len(read) - len(reply[2:]))
    return int(reply[0]), max(int(reply[1]), 1), values


class WindowRateThrottle(throttling.SimpleRateThrottle):
    """DRF's `SimpleRateThrottle` counted in a fixed window (`window_count`: one Redis round trip
    per request) instead of DRF's pickled list of every request time (a read and a write of up to
    `num_requests` timestamps per request); DRF's own path where the cache is not Redis.
    Subclasses give `scope` and `get_cache_key`, as for DRF's."""

    retry_after: int | None = None

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        # Counted already, with the user's read, by authentication (accounts.usercache)?
        counted = getattr(request, "counted_windows", {}).pop(key, None) or window_count(self.cache, key, self.duration)
        if counted is None:
            return super().allow_request(request, view)
        count, ttl = counted
        self.retry_after = ttl
        return count <= self.num_requests

    def wait(self):
        if self.retry_after is not None:
            return self.retry_after
        return super().wait()


class UserRateThrottle(WindowRateThrottle):
    """Per signed-in user (by user id, never by token text); anonymous callers per client IP.

    Every API request passes this throttle, hence the counter of `WindowRateThrottle`. The sign-in
    and registration throttles keep DRF's exact sliding window (accounts/throttling.py)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return self.window_key(request.user.pk)
        return self.cache_format % {"scope": "anon", "ident": self.get_ident(request)}

    def window_key(self, user_id) -> str:
        """The key `get_cache_key` gives a request of the signed-in user `user_id`."""
        return self.cache_format % {"scope": self.scope, "ident": str(user_id)}
