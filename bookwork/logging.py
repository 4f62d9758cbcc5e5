"""Log formatting: one JSON object per line in production, a readable line in development.

Every record carries the request id and user id of the request being served (from
`bookwork.request_context`), so the lines of one request can be found together.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bookwork.request_context import request_id_var, user_id_var

_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "user_id"}


class RequestContextFilter(logging.Filter):
    """Attach `request_id` and `user_id` of the current request to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        if not getattr(record, "user_id", None):
            record.user_id = user_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", "user_id", ...extra}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


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
