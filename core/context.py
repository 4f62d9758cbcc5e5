"""Who changed what, through which door: the `pghistory.context` of every write.

Each history row points to a `pghistory.Context` whose metadata is
`{"user": <acting user id or null>, "channel": "api" | "admin" | "web" | "command" | "worker",
"request_id": ..., ...}` (`url` for requests, `command` for management commands, `job` for jobs).

- Requests that may write (POST, PUT, PATCH, DELETE: `PGHISTORY_MIDDLEWARE_METHODS`; reads run
  without a context): `AuditContextMiddleware` (after Django's authentication middleware). A user
  authenticated later by DRF (JWT) is picked up when DRF sets `request.user`.
- Management commands: every command runs inside a context (`install_command_context`, from
  `AuditConfig.ready`), except `UNTRACKED_COMMANDS` (servers, schema and server upkeep).
- Worker jobs: `job_origin()` is stored with a job's arguments when it is deferred (request id,
  acting user, trace context); the worker runs the job inside `job_run(name, origin)`: channel
  `worker`, the job's name, the deferring request's id and user, and a span linked to the request
  (`core.tracing.job_span`).

The context reaches PostgreSQL as transaction-local settings sent with each write statement
(pghistory's execute wrapper), so the triggers see it, plain SQL included.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

import pghistory
import pghistory.runtime
from django.core.management.base import BaseCommand
from django.http import HttpRequest
from pghistory.middleware import HistoryMiddleware

from core import tracing
from core.request_context import request_id_var, user_id_var

API, ADMIN, WEB, COMMAND, WORKER = "api", "admin", "web", "command", "worker"
CHANNELS = (API, ADMIN, WEB, COMMAND, WORKER)
# Commands run without a context: the servers (each request or job opens its own), and those that
# change the schema or the server rather than rows. Their hand-written SQL may hold a literal `%`
# without parameters, which pghistory's per-statement injection (it adds parameters) would break.
UNTRACKED_COMMANDS = frozenset(
    {
        *("runserver", "testserver", "worker", "test", "check", "collectstatic", "dbshell"),
        *("migrate", "makemigrations", "sqlmigrate", "squashmigrations", "showmigrations"),
        *("create_db_roles", "db_health", "backup", "restore"),
        # Writes millions of synthetic rows with triggers off (session_replication_role) when it can.
        "bench_seed",
    }
)
_in_command: ContextVar[bool] = ContextVar("audit_in_command", default=False)


def channel_of(request: HttpRequest) -> str:
    if request.path.startswith("/api/"):
        return API
    if request.path.startswith("/admin/"):
        return ADMIN
    return WEB


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's middleware (user and URL, the user updated when DRF authenticates), plus the
    channel and the request id."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        return {
            **super().get_context(request),
            "channel": channel_of(request),
            "request_id": getattr(request, "request_id", None) or request_id_var.get(),
        }


def command_name(command: BaseCommand) -> str:
    return command.__class__.__module__.rsplit(".", 1)[-1]


def install_command_context() -> None:
    """Run every management command's `execute` inside a `command` context (idempotent).

    `execute` is what both `manage.py <name>` and `call_command` go through; a command called from
    inside another (maintenance → prune_history) joins the caller's context.
    """
    if getattr(BaseCommand.execute, "_audit_context", False):
        return
    original = BaseCommand.execute

    @functools.wraps(original)
    def execute(self: BaseCommand, *args, **options):
        name = command_name(self)
        if name in UNTRACKED_COMMANDS or _in_command.get():
            return original(self, *args, **options)
        token = _in_command.set(True)
        try:
            with pghistory.context(channel=COMMAND, command=name, user=None, request_id=request_id_var.get()):
                return original(self, *args, **options)
        finally:
            _in_command.reset(token)

    execute._audit_context = True  # type: ignore[attr-defined]
    BaseCommand.execute = execute


@contextlib.contextmanager
def job_context(*, name: str, request_id: str | None = None, user: str | None = None) -> Iterator[None]:
    """The context of one worker job: channel `worker`, the job's name, and the request id and
    user of the request that deferred it (stored with the job's arguments)."""
    with pghistory.context(channel=WORKER, job=name, user=user, request_id=request_id):
        yield


def _current_metadata() -> dict[str, Any]:
    # pghistory keeps the open context in a thread-local; it has no public reader.
    tracker = getattr(pghistory.runtime._tracker, "value", None)
    return dict(tracker.metadata) if tracker is not None else {}


def job_origin() -> dict[str, Any]:
    """What a job deferred now carries of its origin, to pass as one JSON argument:
    `{"request_id", "user", "trace"}` (the trace context is `{}` with tracing off)."""
    metadata = _current_metadata()
    return {
        "request_id": request_id_var.get() or metadata.get("request_id"),
        "user": user_id_var.get() or metadata.get("user"),
        "trace": tracing.trace_context_current(),
    }


@contextlib.contextmanager
def job_run(name: str, origin: Mapping[str, Any] | None) -> Iterator[None]:
    """Run one job with its history context (channel `worker`) and its span (a new trace linked
    to the deferring request's), from the `origin` stored at deferral (None: a periodic job)."""
    origin = origin or {}
    with (
        tracing.job_span(name, origin.get("trace")),
        job_context(name=name, request_id=origin.get("request_id"), user=origin.get("user")),
    ):
        yield
