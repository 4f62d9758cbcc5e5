"""OpenAPI descriptions of the error bodies (the drf-standardized-errors shape of the contract),
for `extend_schema(responses=...)` of the clubs endpoints. 409 bodies (state conflicts with a
machine code such as `club_full`) have their own component, `ConflictErrorResponse`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from drf_standardized_errors.openapi_serializers import (
    ErrorResponse403Serializer,
    ErrorResponse404Serializer,
    ErrorResponse429Serializer,
    ValidationErrorResponseSerializer,
)
from rest_framework import serializers

from core.openapi import ErrorResponse401Serializer


class ConflictErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine code, e.g. `club_full`, `already_member`, `last_admin`.")
    detail = serializers.CharField(help_text="Human-readable text.")
    attr = serializers.CharField(allow_null=True, help_text="The field in error (dotted path), or null.")


class ConflictErrorResponseSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Always `client_error` for a 409.")
    errors = ConflictErrorItemSerializer(many=True)


def _example(status: int, kind: str, code: str, detail: str, attr: str | None = None) -> OpenApiExample:
    return OpenApiExample(
        f"{status} {code}",
        value={"type": kind, "errors": [{"code": code, "detail": detail, "attr": attr}]},
        status_codes=[str(status)],
        response_only=True,
    )


def error_response(status: int, description: str, *codes: tuple[str, str]) -> OpenApiResponse:
    """An error response of `status` whose examples use the given (code, detail) pairs."""
    kind = "validation_error" if status == 400 else ("server_error" if status >= 500 else "client_error")
    return OpenApiResponse(
        response=ConflictErrorResponseSerializer,
        description=description,
        examples=[_example(status, kind, code, detail) for code, detail in codes],
    )


# The library's own error serializers (typed codes), shared with the events app's schema.
VALIDATION_400 = OpenApiResponse(
    ValidationErrorResponseSerializer, description="Invalid input: one error per field (`attr`)."
)
UNAUTHENTICATED_401 = OpenApiResponse(
    ErrorResponse401Serializer, description="Missing, invalid, expired or revoked access token."
)
FORBIDDEN_403 = OpenApiResponse(ErrorResponse403Serializer, description="The caller may see the club but not do this.")
NOT_FOUND_404 = OpenApiResponse(
    ErrorResponse404Serializer,
    description="No such club (or member), a malformed id, or a club the caller may not see (same body).",
)
THROTTLED_429 = OpenApiResponse(ErrorResponse429Serializer, description="Too many requests; see `Retry-After`.")

COMMON_ERRORS = {401: UNAUTHENTICATED_401, 429: THROTTLED_429}


def conflict_409(description: str, *codes: tuple[str, str]) -> OpenApiResponse:
    return error_response(409, description, *codes)


CLUB_ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Club id.")
CLUB_ID_NESTED_PARAMETER = OpenApiParameter("club_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Club id.")
USER_ID_PARAMETER = OpenApiParameter(
    "user_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="User id of the member."
)
