"""Error responses of the contract's one shape (drf-standardized-errors), with the request id.

Business rules raise `Conflict` (409) with a machine code such as `club_full`; services raise
`django.core.exceptions.ValidationError` / DRF `ValidationError` for bad input.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from drf_standardized_errors.handler import exception_handler as standardized_exception_handler
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error

from core.locks import conflict_kind

security_log = logging.getLogger("bookwork.security")
error_log = logging.getLogger("bookwork.errors")


class Conflict(exceptions.APIException):
    """409: the request is valid but the current state forbids it (`club_full`, `already_member`…)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, code: str | None = None):
        super().__init__(detail=detail, code=code)


class DatabaseUnavailable(exceptions.APIException):
    """503: PostgreSQL cannot be reached (or dropped the connection); the client may retry."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; try again shortly."
    default_code = "database_unavailable"
    wait = 5  # becomes the Retry-After header


class TransactionConflict(Conflict):
    """409: the transaction lost a race with a concurrent one (deadlock, serialization failure or
    lock timeout) even after the retries of `core.locks.retry_on_conflict`; the client may retry."""

    default_detail = "The request conflicted with a concurrent change; try again."
    default_code = "transaction_conflict"


def transaction_conflict(exc: BaseException) -> TransactionConflict | None:
    """The 409 for a deadlock, serialization failure or lock timeout (logged as what it is), or
    None when `exc` is something else."""
    kind = conflict_kind(exc)
    if kind is None:
        return None
    error_log.warning(
        "transaction conflict: %s", kind, extra={"event": "transaction_conflict", "conflict": kind}, exc_info=exc
    )
    return TransactionConflict()


def exception_handler(exc, context):
    """Format every error of a DRF view the standard way, with the request id.

    Django's ValidationError becomes DRF's (400); a deadlock, serialization failure or lock timeout
    becomes 409 `transaction_conflict` (never "database unavailable"); a lost database connection becomes 503 instead
    of a 500 (it is logged here, with its traceback, since it is not a bug of the request);
    permission denials are logged as security events.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif (conflict := transaction_conflict(exc)) is not None:
        exc = conflict
    elif isinstance(exc, (OperationalError, InterfaceError)):
        error_log.error("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
        exc = DatabaseUnavailable()
    response = standardized_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    if response.status_code == status.HTTP_403_FORBIDDEN:
        view = context.get("view")
        security_log.warning(
            "permission denied",
            extra={
                "event": "permission_denied",
                "method": getattr(request, "method", None),
                "path": getattr(request, "path", None),
                "view": view.__class__.__name__ if view is not None else None,
            },
        )
    request_id = getattr(request, "request_id", None) if request is not None else None
    if request_id:
        response["X-Request-ID"] = request_id
    return response
