"""Throttles of the sign-in endpoints: login per client IP (`login`) and per email
(`login_email`), register per client IP (`register`); rates from THROTTLE_RATES. Password change
counts against the very `login_email` bucket of the caller's account: every check of a password
shares one per-account limit, so guesses cannot be split between the two endpoints.

Counters live in Django's default cache, which settings make shared by every process (Redis when
REDIS_URL is set, otherwise the database cache), never a per-process memory cache. DRF's
read-modify-write of a counter is not atomic on either backend, so each check runs under a
PostgreSQL transaction-level advisory lock keyed by the counter: concurrent requests in different
workers or hosts cannot both see "one left". The client IP is DRF's `get_ident`, which honours
NUM_PROXIES, so a forged `X-Forwarded-For` does not give a fresh bucket.
"""

from __future__ import annotations

import hashlib
import ipaddress

from django.db import connection, transaction
from rest_framework import throttling

from accounts.models import UserManager


def _advisory_lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


class SerializedRateThrottle(throttling.SimpleRateThrottle):
    """A SimpleRateThrottle whose check-and-record is serialized across processes."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_advisory_lock_id(key)])
            return super().allow_request(request, view)


class LoginIPRateThrottle(SerializedRateThrottle):
    scope = "login"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginEmailRateThrottle(SerializedRateThrottle):
    """Per target account, whatever the client IP: slows password guessing from many addresses.
    The email is hashed so that cache keys do not hold addresses."""

    scope = "login_email"

    def get_cache_key(self, request, view) -> str | None:
        data = request.data
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": _account_ident(email)}


def _account_ident(email: str) -> str:
    return hashlib.sha256(UserManager.normalize_email_address(email).encode()).hexdigest()


class PasswordChangeRateThrottle(SerializedRateThrottle):
    """`POST /auth/password/` checks `current_password`: the same per-account limit as login, in
    the same bucket (scope `login_email`, keyed by the account's email hash)."""

    scope = "login_email"

    def get_cache_key(self, request, view) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": _account_ident(user.email)}


class RegisterIPRateThrottle(SerializedRateThrottle):
    scope = "register"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def client_ip(request) -> str | None:
    """The client address as the throttles see it (NUM_PROXIES honoured), if it is a valid IP."""
    ident = throttling.BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident.strip()))
    except ValueError:
        return None
