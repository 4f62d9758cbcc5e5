"""Throttles of the invite-code endpoints (preview and accept share them): per signed-in user
(`invite_code`) and per client IP (`invite_code_ip`), rates from THROTTLE_RATES. Codes carry 256
random bits, so guessing is hopeless anyway; the limits keep anyone from trying at speed, whether
from many accounts behind one address or one account from many addresses.

Counters live in the shared cache and each check runs under a PostgreSQL advisory lock
(`accounts.throttling.SerializedRateThrottle`), so every worker counts against one limit.
"""

from __future__ import annotations

from accounts.throttling import SerializedRateThrottle


class InviteCodeUserRateThrottle(SerializedRateThrottle):
    scope = "invite_code"

    def get_cache_key(self, request, view) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # authentication answers 401 first
        return self.cache_format % {"scope": self.scope, "ident": str(user.pk)}


class InviteCodeIPRateThrottle(SerializedRateThrottle):
    scope = "invite_code_ip"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
