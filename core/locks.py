"""Row locks in ONE global order, and what a lock conflict becomes (in the spirit of pretix's
`lock_objects`).

Global lock order (a transaction takes its row locks in this order, parents before children, and
never goes back up):

    1. user                  `accounts.User`
    2. refresh-token rows    `accounts.RefreshToken`
    3. membership            `clubs.ClubMember`
    4. club                  `clubs.Club`
    5. event                 `events.Event`
    6. RSVP                  `availability.Availability`
    7. event item            `event_items.EventItem`
    8. poll                  `polls.Poll`

Why this order:

- Ending a session (logout, session delete, logout-all, password change, theft detection,
  deactivation) and rotating a refresh token both lock the USER row first. Rotation inserts the
  successor while it holds that lock, so a revocation that follows waits for the commit and its
  UPDATE (a new statement under READ COMMITTED) sees the successor; a rotation that follows a
  revocation reads the revoked row. Refresh-token rows come right after their user: they are the
  user's children and no path that locks them locks anything of clubs or events.
- An RSVP write (`events.availability.services`, hand-written SQL that takes its locks itself, in
  this order) locks the user, then their membership, then the event; it does not lock the club:
  it re-reads the club's `is_public` after the event lock, which every club-wide change (a club
  turning private, a club delete) takes before it touches RSVPs.
- Deletes lock the parent FOR UPDATE before anything under it (club, then its events, then the
  cascade deletes RSVPs and items): Django's cascade deletes children FIRST, so an RSVP writer that
  holds the event and waits for an RSVP row the delete has already taken would deadlock with it.
- Books and polls (books/, books/polls/): starting a book locks the club (its books change only
  under that lock; a partial unique index backs "one current book"); a reading entry locks the
  member's membership (so `books_read` moves once per change); a vote locks the voter's
  membership, then the poll; closing a poll locks the club, then the poll (a club lock before a
  poll lock, never the reverse); deleting a book locks the club's memberships, then the club.
- Club services that change a membership lock the club (which serializes capacity checks) and
  then the membership row; no path that holds a membership lock ever waits for a club lock (the
  RSVP path skips the club), so this cannot close a cycle. A path may skip levels. Join requests
  and invites (`clubs.joining`) take no lock of their own: their decisions and uses happen under
  their club's lock, which already serializes everything that adds a member.

`lock_objects` refuses to run outside a transaction (a lock outside one is released at once) and
sets `SET LOCAL lock_timeout`, so a stuck lock fails fast instead of holding a worker.

Deadlocks (`40P01`), serialization failures (`40001`) and lock timeouts (`55P03`) are not outages:
`conflict_kind` names them, `retry_on_conflict` re-runs an outermost transaction a bounded number of
times, and the API answers what is left with 409 `transaction_conflict` (bookwork/exceptions.py).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, transaction

log = logging.getLogger("bookwork.locks")

# The global order as data: `Model._meta.label`s, first locked first.
LOCK_ORDER: tuple[str, ...] = (
    "accounts.User",
    "accounts.RefreshToken",
    "clubs.ClubMember",
    "clubs.Club",
    "events.Event",
    "availability.Availability",
    "event_items.EventItem",
    "polls.Poll",
)

# Below the statement timeout (DB_STATEMENT_TIMEOUT_MS, 5 s by default): waiting for a row lock
# longer than this means something is stuck, and the request answers 409 rather than time out.
LOCK_TIMEOUT_MS = 4000

# SQLSTATEs of a transaction that lost a race (not of a database that is down).
CONFLICT_SQLSTATES = {
    "40P01": "deadlock",
    "40001": "serialization_failure",
    "55P03": "lock_timeout",
}
# Of those, the ones worth re-running at once (a lock timeout has already waited long enough).
RETRYABLE = frozenset({"deadlock", "serialization_failure"})


class NotInTransaction(RuntimeError):
    """`lock_objects` was called outside `transaction.atomic`."""


class LockOrderViolation(ValueError):
    """A lock request names a model that is not in `LOCK_ORDER`."""


@dataclass(frozen=True)
class Lock:
    """Lock the rows of `queryset` (in primary-key order). `no_key` takes FOR NO KEY UPDATE, which
    still excludes other writers and `FOR UPDATE` but lets rows referencing these be inserted."""

    queryset: Any
    no_key: bool = False

    @property
    def label(self) -> str:
        return self.queryset.model._meta.label


def lock_rank(label: str) -> int:
    """The position of `label` in the global order (`LockOrderViolation` if it has none)."""
    try:
        return LOCK_ORDER.index(label)
    except ValueError:
        raise LockOrderViolation(f"{label} is not in core.locks.LOCK_ORDER") from None


def lock_timeout_set(*, timeout_ms: int = LOCK_TIMEOUT_MS, using: str = DEFAULT_DB_ALIAS) -> None:
    """`SET LOCAL lock_timeout` for the rest of the current transaction."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        raise NotInTransaction("lock_timeout_set() must run inside transaction.atomic")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(timeout_ms)}ms"])


def lock_objects(
    *locks: Lock, timeout_ms: int | None = LOCK_TIMEOUT_MS, using: str = DEFAULT_DB_ALIAS
) -> list[list[Any]]:
    """Lock the rows of every `Lock`, in the global order (`LOCK_ORDER`, then primary key), and
    return the locked rows of each request in the order the requests were given.

    Must run inside `transaction.atomic` (`NotInTransaction` otherwise). Rows that are gone are
    simply absent from the result: the caller decides whether that is a 404. `timeout_ms` sets
    `SET LOCAL lock_timeout` first (None leaves the current one).
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        raise NotInTransaction("lock_objects() must run inside transaction.atomic")
    if timeout_ms is not None:
        lock_timeout_set(timeout_ms=timeout_ms, using=using)
    ranked = sorted(range(len(locks)), key=lambda index: (lock_rank(locks[index].label), index))
    results: list[list[Any]] = [[] for _ in locks]
    for index in ranked:
        lock = locks[index]
        queryset = lock.queryset.using(using).select_for_update(of=("self",), no_key=lock.no_key).order_by("pk")
        results[index] = list(queryset)
    return results


def lock_one(queryset, *, no_key: bool = False, timeout_ms: int | None = LOCK_TIMEOUT_MS):
    """Lock the (at most one) row of `queryset` and return it, or None if it is gone."""
    (rows,) = lock_objects(Lock(queryset, no_key=no_key), timeout_ms=timeout_ms)
    return rows[0] if rows else None


def conflict_kind(error: BaseException) -> str | None:
    """`deadlock`, `serialization_failure` or `lock_timeout` when `error` (or its cause) is such a
    PostgreSQL error; None for anything else (e.g. a lost connection)."""
    if not isinstance(error, OperationalError):
        return None
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return CONFLICT_SQLSTATES.get(sqlstate or "")


F = TypeVar("F", bound=Callable[..., Any])


def retry_on_conflict(func: F | None = None, *, attempts: int = 3, using: str = DEFAULT_DB_ALIAS):
    """Re-run `func` (which opens its own transaction) when it fails with a deadlock or a
    serialization failure, at most `attempts` times in all, with a short growing pause.

    Only an OUTERMOST transaction can be retried: inside an atomic block the error is raised as is
    (the enclosing transaction is already aborted and must fail as a whole). Each retry is logged
    at WARNING with the conflict's name; the last failure propagates (the API answers 409).
    """

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if transaction.get_connection(using).in_atomic_block:
                return function(*args, **kwargs)
            for attempt in range(1, attempts + 1):
                try:
                    return function(*args, **kwargs)
                except OperationalError as error:
                    kind = conflict_kind(error)
                    if kind not in RETRYABLE or attempt == attempts:
                        raise
                    log.warning(
                        "%s in %s, retrying (attempt %d of %d)",
                        kind,
                        function.__qualname__,
                        attempt + 1,
                        attempts,
                        extra={"event": "transaction_retry", "conflict": kind, "function": function.__qualname__},
                    )
                    time.sleep(0.01 * attempt)
            raise AssertionError("unreachable")  # pragma: no cover

        return wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate
