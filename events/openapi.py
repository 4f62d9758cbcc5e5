"""OpenAPI helpers shared by the events, availability and items views: error responses of the
contract's one shape (drf-standardized-errors), documented per status code."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from drf_standardized_errors.openapi_serializers import (
    ErrorResponse403Serializer,
    ErrorResponse404Serializer,
    ErrorResponse429Serializer,
    ValidationErrorResponseSerializer,
)

from bookwork.openapi import ErrorResponse401Serializer
from clubs.openapi import conflict_409

_ERRORS = {
    400: OpenApiResponse(ValidationErrorResponseSerializer, description="Invalid input (field errors)."),
    401: OpenApiResponse(ErrorResponse401Serializer, description="Missing, invalid or revoked access token."),
    403: OpenApiResponse(ErrorResponse403Serializer, description="Visible, but the caller may not do this."),
    404: OpenApiResponse(
        ErrorResponse404Serializer, description="Unknown, malformed, or not visible to the caller (same body)."
    ),
    429: OpenApiResponse(ErrorResponse429Serializer, description="Throttled; see Retry-After."),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Error responses for `codes`, plus 401 and 429 which every authenticated endpoint may answer."""
    return {code: _ERRORS[code] for code in sorted({*codes, 401, 429})}


def path_ids(*names: str) -> list[OpenApiParameter]:
    """Path ids documented as UUIDs (a malformed one answers 404, like an unknown one)."""
    return [OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH) for name in names]


# The 409 body component is declared once, in clubs.openapi.
event_cancelled_409 = conflict_409("The event is cancelled.", ("event_cancelled", "The event is cancelled."))
