"""OpenAPI pieces of the getting-into-a-club endpoints."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from drf_standardized_errors.openapi_serializers import ErrorResponse404Serializer

from clubs.openapi import error_response

REQUEST_ID_PARAMETER = OpenApiParameter(
    "request_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Join request id."
)
INVITE_ID_PARAMETER = OpenApiParameter("invite_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Invite id.")
CODE_PARAMETER = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The invite code.")

CLUB_FULL = ("club_full", "The club is full (5 members).")
ALREADY_MEMBER = ("already_member", "The user is already a member of this club.")
NOT_PENDING = ("conflict", "This join request has already been decided or withdrawn.")
INVITE_REQUIRED_403 = error_response(
    403,
    "The caller may see the club but not do this; `invite_required` when the club takes members by invitation.",
    ("invite_required", "This club takes new members by invitation."),
    ("permission_denied", "You do not have permission to perform this action."),
)
CODE_NOT_FOUND_404 = OpenApiResponse(
    ErrorResponse404Serializer,
    description="Unknown, expired, revoked, used-up or someone else's code: always the same body.",
)
