"""The API's sign-in throttles applied to the web forms: the same scopes, rates and shared cache
buckets (`accounts.throttling`), so guesses cannot be split between the API and the web pages."""

from __future__ import annotations

from accounts.throttling import LoginEmailRateThrottle, LoginIPRateThrottle, PasswordChangeRateThrottle


class _Attempt:
    """What the throttles read of a request: its META (client address) and the email tried."""

    def __init__(self, request, email: str | None):
        self.META = request.META
        self.data = {"email": email} if email else {}
        self.user = getattr(request, "user", None)


def _wait(throttles, attempt) -> int | None:
    for throttle in throttles:
        if not throttle.allow_request(attempt, None):
            return max(1, round(throttle.wait() or 1))
    return None


def login_wait(request, email: str | None) -> int | None:
    """Count one sign-in (or password-reset) attempt per client IP and per account; None when it
    may go ahead, else the seconds to wait."""
    return _wait((LoginIPRateThrottle(), LoginEmailRateThrottle()), _Attempt(request, email))


def password_check_wait(request) -> int | None:
    """Count one check of the signed-in user's current password (the per-account login bucket)."""
    return _wait((PasswordChangeRateThrottle(),), _Attempt(request, None))


def register_wait(request) -> int | None:
    """Count one sign-up per client IP (the API's `register` bucket)."""
    from accounts.throttling import RegisterIPRateThrottle

    return _wait((RegisterIPRateThrottle(),), _Attempt(request, None))
