"""One transparent retry of a request whose database connection died under it.

PostgreSQL restarting, a failover or `pg_terminate_backend` kills a connection in the middle of
whatever request is using it; the view then answers 503 `database_unavailable`. A request may be
run again on a fresh connection, once, when doing so cannot apply anything twice:

- GET and HEAD (safe methods): always, since the answer has not been sent yet (streamed answers,
  whose body is produced after this middleware returns, are never retried);
- any other method only when no statement that can write (INSERT, UPDATE, DELETE, MERGE, ...,
  anything but SELECT/SHOW/SET and transaction control) had been sent on the connection while
  serving it: its transaction never reached the server with a change in it. Writes to the cache
  table (throttle counters) do not count: a cache entry written twice is harmless.

Everything else keeps the 503 with `Retry-After`. Only a lost connection is retried, never a
statement timeout, a deadlock or a serialization failure (those errors leave the connection
usable). The retry runs every middleware below this one and the view again, on the same request
(its body is kept for that).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("bookwork.errors")

SAFE_METHODS = frozenset({"GET", "HEAD"})
# Statements that cannot change data. `WITH` may hide an INSERT/UPDATE/DELETE: checked below.
_READ_ONLY = re.compile(r"^\s*(SELECT|SHOW|SET|BEGIN|START|SAVEPOINT|RELEASE|ROLLBACK|DECLARE|FETCH|CLOSE)\b", re.I)
_WITH_WRITE = re.compile(r"^\s*WITH\b(?=.*\b(INSERT|UPDATE|DELETE|MERGE)\b)", re.I | re.S)
_WITH = re.compile(r"^\s*WITH\b", re.I)
# SQLSTATE classes of a connection that is gone: 08 (connection exception), 57P01-57P03
# (admin_shutdown, crash_shutdown, cannot_connect_now).
_LOST_SQLSTATE = re.compile(r"^(08|57P0[1-3])")


def _cache_tables() -> tuple[str, ...]:
    return tuple(
        cache["LOCATION"]
        for cache in settings.CACHES.values()
        if cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    )


def may_write(sql: str) -> bool:
    """Whether a statement can change data (conservative: unknown statements can)."""
    if _READ_ONLY.match(sql):
        return False
    if _WITH.match(sql):
        return bool(_WITH_WRITE.match(sql))
    return not any(f'"{table}"' in sql for table in _cache_tables())


def connection_lost(error: BaseException) -> bool:
    """True for an error that means the connection itself is gone (not a failed statement)."""
    cause = error.__cause__ or error
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate and _LOST_SQLSTATE.match(sqlstate):
        return True
    raw = connection.connection
    return raw is None or bool(getattr(raw, "closed", False)) or bool(getattr(raw, "broken", False))


@dataclass
class _Attempt:
    """What one pass of the request did on the connection (a `connection.execute_wrapper`)."""

    wrote: bool = False
    lost: bool = False

    def __call__(self, execute, sql, params, many, context):
        if not self.wrote and may_write(sql):
            self.wrote = True  # before sending: once sent, it may have run
        try:
            return execute(sql, params, many, context)
        except (OperationalError, InterfaceError) as error:
            if connection_lost(error):
                self.lost = True
            raise


class DatabaseRetryMiddleware:
    """Run a request once more on a fresh connection when its connection died (see module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        body_kept = request.method in SAFE_METHODS or self._keep_body(request)
        attempt = _Attempt()
        with connection.execute_wrapper(attempt):
            response = self.get_response(request)
        if not (attempt.lost and body_kept and self._retryable(request, attempt, response)):
            return response
        logger.warning(
            "database connection lost; retrying the request once on a new connection",
            extra={"method": request.method, "path": request.path, "status": response.status_code},
        )
        connection.close()
        if request.method not in SAFE_METHODS:
            request._stream = io.BytesIO(request._body)
            request._read_started = False
        with connection.execute_wrapper(_Attempt()):
            return self.get_response(request)

    @staticmethod
    def _keep_body(request: HttpRequest) -> bool:
        """Read the body now (it is cached on the request) so that a retry can read it again."""
        try:
            request.body  # noqa: B018
        except RequestDataTooBig:
            return False
        return True

    @staticmethod
    def _retryable(request: HttpRequest, attempt: _Attempt, response: HttpResponse) -> bool:
        if response.streaming or response.status_code < 500 or connection.in_atomic_block:
            return False
        return request.method in SAFE_METHODS or not attempt.wrote
