"""OpenAPI descriptions of the error bodies (the drf-standardized-errors shape of the contract),
for `extend_schema(responses=...)` of the clubs endpoints. Other apps may import these too."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ApiErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine code, e.g. `not_found`, `club_full`, `required`.")
    detail = serializers.CharField(help_text="Human-readable text.")
    attr = serializers.CharField(allow_null=True, help_text="The field in error (dotted path), or null.")


class ApiErrorResponseSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`validation_error`, `client_error` or `server_error`.")
    errors = ApiErrorItemSerializer(many=True)


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
        response=ApiErrorResponseSerializer,
        description=description,
        examples=[_example(status, kind, code, detail) for code, detail in codes],
    )


VALIDATION_400 = error_response(400, "Invalid input: one error per field (`attr`).", ("invalid", "Invalid input."))
UNAUTHENTICATED_401 = error_response(
    401,
    "No, an invalid or an expired access token.",
    ("not_authenticated", "Authentication credentials were not provided."),
    ("token_not_valid", "Token is invalid or expired"),
)
FORBIDDEN_403 = error_response(
    403,
    "The caller may see the club but not do this.",
    ("permission_denied", "You do not have permission to perform this action."),
)
NOT_FOUND_404 = error_response(
    404, "No such club (or member), a malformed id, or a club the caller may not see.", ("not_found", "Not found.")
)
THROTTLED_429 = error_response(429, "Too many requests; see `Retry-After`.", ("throttled", "Request was throttled."))

COMMON_ERRORS = {401: UNAUTHENTICATED_401, 429: THROTTLED_429}


def conflict_409(description: str, *codes: tuple[str, str]) -> OpenApiResponse:
    return error_response(409, description, *codes)


CLUB_ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Club id.")
CLUB_ID_NESTED_PARAMETER = OpenApiParameter("club_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Club id.")
USER_ID_PARAMETER = OpenApiParameter(
    "user_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="User id of the member."
)
