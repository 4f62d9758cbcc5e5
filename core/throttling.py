"""Throttles whose counters live in the shared cache (Redis or the database cache), never in a
per-process memory cache, so every gunicorn worker and host counts against one limit.

The client IP comes from DRF's `get_ident`, which honours `NUM_PROXIES` trusted proxies, so a
forged `X-Forwarded-For` cannot give a caller a fresh bucket.
"""

from rest_framework import throttling


class UserRateThrottle(throttling.UserRateThrottle):
    """Per signed-in user (by user id, never by token text); anonymous callers per client IP."""

    scope = "user"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = str(request.user.pk)
            return self.cache_format % {"scope": self.scope, "ident": ident}
        return self.cache_format % {"scope": "anon", "ident": self.get_ident(request)}
