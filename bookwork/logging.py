"""Log formatting: one JSON object per line in production, a readable line in development.

Every record carries the request id and user id of the request being served (from
`core.request_context`), so the lines of one request can be found together, and, when tracing
is on (core/tracing.py), the trace and span ids of the current span, so a line leads to its trace.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pythonjsonlogger.core
import pythonjsonlogger.json
from gunicorn import glogging

from core import tracing
from core.request_context import request_id_var, user_id_var

_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {
    *("message", "asctime", "request_id", "user_id", "request", "trace_id", "span_id"),
}


class RequestContextFilter(logging.Filter):
    """Attach `request_id` and `user_id` of the current request, and `trace_id` and `span_id` of
    the current span (null with tracing off), to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # django.request logs a response after the middlewares have returned (and the context
            # is reset), but passes the request along.
            request = getattr(record, "request", None)
            record.request_id = request_id_var.get() or getattr(request, "request_id", None)
        if not getattr(record, "user_id", None):
            record.user_id = user_id_var.get()
        if not getattr(record, "trace_id", None):
            record.trace_id, record.span_id = tracing.current_ids()
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """`{"time", "level", "logger", "message", "request_id", "user_id", "trace_id", "span_id",
    ...extra}` on one line (python-json-logger; the record's extra attributes follow the named fields)."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s %(trace_id)s %(span_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            # django.request passes the request object along: never dump it into a log line.
            reserved_attrs=[*pythonjsonlogger.core.RESERVED_ATTRS, "request"],
            json_default=str,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")


class ConsoleFormatter(logging.Formatter):
    """`time level logger [request id] message key=value…` for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{key}={value}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD_ATTRS and not key.startswith("_")
        )
        when = datetime.fromtimestamp(record.created, tz=UTC).strftime("%H:%M:%S")
        line = f"{when} {record.levelname:<7} {record.name} [{getattr(record, 'request_id', None) or '-'}] "
        line += record.getMessage() + (f" {extras}" if extras else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configured_formatter() -> logging.Formatter:
    """The formatter `LOG_FORMAT` asks for, read without Django (gunicorn's master has no settings)."""
    from bookwork.config import env_bool, env_choice

    default = "console" if env_bool("DEBUG", False) else "json"
    fmt = env_choice("LOG_FORMAT", default, {"json", "console"})
    return JsonFormatter() if fmt == "json" else ConsoleFormatter()


class GunicornLogger(glogging.Logger):
    """gunicorn's logger writing in Bookwork's format, with one structured access line per request.

    The access line carries what `bookwork.middleware` left in the WSGI environ (request id, user
    id, view, trace and span ids), so under gunicorn each request is logged once, by gunicorn, after
    the response has been sent: `{"logger": "gunicorn.access", "message": "GET /api/v1/clubs/ 200",
    "request_id", "user_id", "trace_id", "span_id", "method", "path", "status", "duration_ms", "view", "remote_addr", "bytes"}`.
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        formatter = configured_formatter()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time) -> None:
        if not self.cfg.accesslog:
            return
        path = environ.get("PATH_INFO", "")
        if path in ("/healthz", "/readyz", "/metrics"):
            return
        status = getattr(resp, "status_code", None) or str(resp.status).split(None, 1)[0]
        headers = {name.lower(): value for name, value in (getattr(resp, "headers", None) or [])}
        method = environ.get("REQUEST_METHOD", "")
        try:
            self.access_log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "request_id": environ.get("bookwork.request_id") or headers.get("x-request-id"),
                    # Set while the request's span was current (the span has ended by now).
                    "trace_id": environ.get(tracing.TRACE_ID_ENVIRON_KEY),
                    "span_id": environ.get(tracing.SPAN_ID_ENVIRON_KEY),
                    "user_id": environ.get("bookwork.user_id"),
                    "method": method,
                    "path": path,
                    "status": int(status),
                    "duration_ms": round(request_time.total_seconds() * 1000, 2),
                    "view": environ.get("bookwork.view"),
                    "remote_addr": environ.get("REMOTE_ADDR"),
                    # The client behind NUM_PROXIES trusted proxies (compose's nginx is one).
                    "client_ip": environ.get("bookwork.client_ip") or environ.get("REMOTE_ADDR"),
                    "bytes": getattr(resp, "sent", None),
                },
            )
        except Exception:
            self.exception("access log line could not be written")


def logging_config(*, level: str, fmt: str) -> dict:
    """Django's `LOGGING` (dictConfig): one handler on stderr writing `fmt` ("json" or "console")
    lines with the request's context, at `level`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "bookwork.logging.RequestContextFilter"}},
        "formatters": {
            "json": {"()": "bookwork.logging.JsonFormatter"},
            "console": {"()": "bookwork.logging.ConsoleFormatter"},
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["request_context"]},
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # Replaces Django's own console handler (DEBUG only), which would print every line twice.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.request": {"level": "ERROR", "propagate": True},
            "django.server": {"level": "WARNING", "propagate": True},
            "django.db.backends": {"level": "WARNING", "propagate": True},
            # Security events (permission denials, refresh-token reuse, lockouts) are WARNING and
            # always written, whatever LOG_LEVEL says.
            "bookwork.security": {"level": "WARNING", "propagate": True},
            # Procrastinate announces its task registry at every start of every process; the
            # worker's own lines (jobs started, succeeded, failed, retried) stay at LOG_LEVEL.
            "procrastinate.periodic": {"level": "WARNING", "propagate": True},
            "procrastinate.blueprints": {"level": "WARNING", "propagate": True},
        },
    }
