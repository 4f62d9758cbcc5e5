"""HTTP views of notifications: the caller's list, read marks, email settings and the
one-click unsubscribe (no sign-in: the signed token is the authority)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PublicEndpointAuthentication
from clubs.selectors import parse_uuid
from core import conditional
from core.paginate import paginate
from core.pagination import PageNumberPagination, page_parameters
from core.responses import errors, path_ids
from notifications import selectors, services
from notifications.emails import unsubscribe_token_read
from notifications.serializers import (
    NotificationFilterSerializer,
    NotificationPageSerializer,
    NotificationSettingsSerializer,
    notification_representation,
)

TAGS = ["notifications"]


class NotificationListView(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=TAGS,
        operation_id="notifications_list",
        summary="The caller's notifications, newest first, with the number of unread ones",
        parameters=[NotificationFilterSerializer, *page_parameters()],
        responses={200: NotificationPageSerializer, **errors(400, 404)},
    )
    def get(self, request):
        params = NotificationFilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        version, unread = selectors.notifications_version(user=request.user)
        tag, answer = conditional.check(request, *version, request.user.pk)
        if answer is not None:
            return answer
        rows = selectors.notifications_of(user=request.user, **params.validated_data)
        response = paginate(
            request,
            self,
            rows,
            extra={"unread_count": unread},
            represent=lambda page: [notification_representation(row) for row in page],
        )
        return conditional.tagged(response, tag)


@extend_schema(parameters=path_ids("notification_id"))
class NotificationReadView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="notifications_read",
        summary="Mark one of the caller's notifications read",
        request=None,
        responses={204: None, **errors(404)},
    )
    def post(self, request, notification_id):
        if not services.notification_mark_read(user=request.user, notification_id=parse_uuid(notification_id)):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationReadAllView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="notifications_read_all",
        summary="Mark all the caller's notifications read",
        request=None,
        responses={204: None, **errors()},
    )
    def post(self, request):
        services.notifications_mark_all_read(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationSettingsView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="notification_settings_retrieve",
        summary="Which notification kinds also go to the caller by email",
        responses={200: NotificationSettingsSerializer, **errors()},
    )
    def get(self, request):
        version = selectors.email_preferences_version(user_id=request.user.pk)
        tag, answer = conditional.check(request, *version, request.user.pk)
        if answer is not None:
            return answer
        return conditional.tagged(Response({"email": selectors.email_preferences_of(user_id=request.user.pk)}), tag)

    @extend_schema(
        tags=TAGS,
        operation_id="notification_settings_partial_update",
        summary="Turn email of some kinds on or off",
        request=NotificationSettingsSerializer,
        responses={200: NotificationSettingsSerializer, **errors(400)},
    )
    def patch(self, request):
        body = NotificationSettingsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.email_preferences_update(user_id=request.user.pk, email=body.validated_data["email"])
        return Response({"email": selectors.email_preferences_of(user_id=request.user.pk)})


class UnsubscribeView(APIView):
    """RFC 8058 one-click unsubscribe: mail programs POST `List-Unsubscribe=One-Click` here."""

    authentication_classes = [PublicEndpointAuthentication]
    permission_classes = [AllowAny]
    # The form body of RFC 8058 (or none, or JSON) is accepted and ignored: the token says it all.
    parser_classes = []

    @extend_schema(
        tags=TAGS,
        operation_id="notifications_unsubscribe",
        summary="Turn off the email kind named by a signed token from an email (no sign-in)",
        auth=[],
        request=None,
        parameters=[OpenApiParameter("token", str, OpenApiParameter.PATH, description="From List-Unsubscribe.")],
        responses={204: None, **{code: response for code, response in errors(404).items() if code != 401}},
    )
    def post(self, request, token):
        found = unsubscribe_token_read(token)
        if found is None:
            raise Http404
        user_id, kind = found
        if not services.email_unsubscribe(user_id=user_id, kind=kind):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
