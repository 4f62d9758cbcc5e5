"""Error responses of the contract's one shape (drf-standardized-errors), with the request id.

Business rules raise `Conflict` (409) with a machine code such as `club_full`; services raise
`django.core.exceptions.ValidationError` / DRF `ValidationError` for bad input.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import exception_handler as standardized_exception_handler
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error


class Conflict(exceptions.APIException):
    """409: the request is valid but the current state forbids it (`club_full`, `already_member`…)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, code: str | None = None):
        super().__init__(detail=detail, code=code)


def exception_handler(exc, context):
    """Translate Django's ValidationError to DRF's, then format every error the standard way."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = standardized_exception_handler(exc, context)
    if response is not None:
        request = context.get("request")
        request_id = getattr(request, "request_id", None) if request is not None else None
        if request_id:
            response["X-Request-ID"] = request_id
    return response
