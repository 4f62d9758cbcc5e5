"""HTTP of a club's webhooks: list, create (the secret shown once), read, edit, delete, the
delivery log and a ping. Club admins and site admins; other members 403; a club the caller may
not see, or a hook of another club, 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clubs.openapi import CLUB_ID_NESTED_PARAMETER, COMMON_ERRORS, FORBIDDEN_403, NOT_FOUND_404, VALIDATION_400
from clubs.selectors import club_get_visible_with_access, club_version
from core import conditional
from webhooks import selectors, services
from webhooks.models import Webhook
from webhooks.serializers import (
    WebhookAttemptSerializer,
    WebhookCreatedSerializer,
    WebhookSerializer,
    WebhookUpdateSerializer,
    WebhookWriteSerializer,
)

TAGS = ["webhooks"]
WEBHOOK_ID = OpenApiParameter("webhook_id", str, OpenApiParameter.PATH, description="Webhook id (UUID).")
ERRORS = {403: FORBIDDEN_403, 404: NOT_FOUND_404, **COMMON_ERRORS}


def _managed_club(request: Request, club_id: str):
    club, access = club_get_visible_with_access(user=request.user, club_id=club_id)
    services.webhook_manage_check(access=access)
    return club


def _conditional(request: Request, club_id: str, *scopes: str, exists: bool = True):
    """`(club, tag, 304 or None)` of a read of the club's webhooks: 404 and 403 first (the one
    statement reads visibility, the caller's role and the stamps of the club's derived `scopes`)."""
    version = club_version(user=request.user, club_id=club_id, scopes=("club.webhooks", *scopes))
    services.webhook_manage_check(access=version.access)
    tag, answer = conditional.check(request, *version.parts, conditional.caller(request.user), exists=exists)
    return version.club, tag, answer


class WebhookListView(GenericAPIView):
    queryset = Webhook.objects.none()  # for the schema; rows come from webhooks.selectors
    serializer_class = WebhookSerializer

    @extend_schema(
        tags=TAGS,
        summary="The club's webhooks",
        parameters=[CLUB_ID_NESTED_PARAMETER],
        responses={200: WebhookSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, club_id: str) -> Response:
        club, tag, answer = _conditional(request, club_id)
        if answer is not None:
            return answer
        page = self.paginate_queryset(selectors.webhook_list(club=club))
        return conditional.tagged(self.get_paginated_response(WebhookSerializer(page, many=True).data), tag)

    @extend_schema(
        tags=TAGS,
        summary="Add a webhook (its secret is in this answer only)",
        parameters=[CLUB_ID_NESTED_PARAMETER],
        request=WebhookWriteSerializer,
        responses={201: WebhookCreatedSerializer, 400: VALIDATION_400, **ERRORS},
    )
    def post(self, request: Request, club_id: str) -> Response:
        club = _managed_club(request, club_id)
        serializer = WebhookWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hook = services.webhook_create(club=club, actor=request.user, **serializer.validated_data)
        return Response(WebhookCreatedSerializer(hook).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(GenericAPIView):
    queryset = Webhook.objects.none()
    serializer_class = WebhookSerializer

    @extend_schema(
        tags=TAGS,
        summary="One webhook (without its secret)",
        parameters=[CLUB_ID_NESTED_PARAMETER, WEBHOOK_ID],
        responses={200: WebhookSerializer, **ERRORS},
    )
    def get(self, request: Request, club_id: str, webhook_id: str) -> Response:
        club, tag, answer = _conditional(request, club_id, exists=False)
        if answer is not None:
            return answer
        hook = selectors.webhook_get(club=club, webhook_id=webhook_id)
        return conditional.dated(conditional.tagged(Response(WebhookSerializer(hook).data), tag), hook.updated_at)

    @extend_schema(
        tags=TAGS,
        summary="Change a webhook's url, events or active (turning it on again resets its failures)",
        parameters=[CLUB_ID_NESTED_PARAMETER, WEBHOOK_ID],
        request=WebhookUpdateSerializer(partial=True),
        responses={200: WebhookSerializer, 400: VALIDATION_400, **ERRORS},
    )
    def patch(self, request: Request, club_id: str, webhook_id: str) -> Response:
        hook = selectors.webhook_get(club=_managed_club(request, club_id), webhook_id=webhook_id)
        serializer = WebhookUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        hook = services.webhook_update(hook=hook, data=serializer.validated_data)
        return Response(WebhookSerializer(hook).data)

    @extend_schema(
        tags=TAGS,
        summary="Delete a webhook",
        parameters=[CLUB_ID_NESTED_PARAMETER, WEBHOOK_ID],
        responses={204: None, **ERRORS},
    )
    def delete(self, request: Request, club_id: str, webhook_id: str) -> Response:
        hook = selectors.webhook_get(club=_managed_club(request, club_id), webhook_id=webhook_id)
        services.webhook_delete(hook=hook)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(GenericAPIView):
    queryset = Webhook.objects.none()
    serializer_class = WebhookAttemptSerializer

    @extend_schema(
        tags=TAGS,
        summary="The webhook's recent delivery attempts, newest first (the last 100 are kept)",
        parameters=[CLUB_ID_NESTED_PARAMETER, WEBHOOK_ID],
        responses={200: WebhookAttemptSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, club_id: str, webhook_id: str) -> Response:
        club, tag, answer = _conditional(request, club_id, "club.attempts", exists=False)
        if answer is not None:
            return answer
        hook = selectors.webhook_get(club=club, webhook_id=webhook_id)
        page = self.paginate_queryset(selectors.webhook_attempts(hook=hook))
        return conditional.tagged(self.get_paginated_response(WebhookAttemptSerializer(page, many=True).data), tag)


class WebhookPingView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Send a `ping` delivery to the webhook",
        parameters=[CLUB_ID_NESTED_PARAMETER, WEBHOOK_ID],
        request=None,
        responses={202: OpenApiResponse(description="The ping is queued."), 400: VALIDATION_400, **ERRORS},
    )
    def post(self, request: Request, club_id: str, webhook_id: str) -> Response:
        hook = selectors.webhook_get(club=_managed_club(request, club_id), webhook_id=webhook_id)
        services.webhook_ping(hook=hook)
        return Response(status=status.HTTP_202_ACCEPTED)
