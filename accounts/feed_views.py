"""The caller's calendar feed address (docs/api.md, "Calendar feeds, safe retries and webhooks").
The feed itself is served by `events.feed` at `/calendar/<token>.ics`."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.feeds import calendar_feed_rotate, calendar_feed_token
from core import conditional
from core.responses import errors

TAGS = ["auth"]


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The private feed address (iCalendar); anyone holding it can read the feed.")


def _answer(request: Request, token: str) -> Response:
    url = request.build_absolute_uri(reverse("calendar-feed", kwargs={"token": token}))
    return Response(CalendarFeedSerializer({"url": url}).data)


class CalendarFeedView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="auth_me_calendar_feed",
        summary="The caller's private calendar feed address",
        responses={200: CalendarFeedSerializer, **errors(401, 429)},
    )
    def get(self, request: Request) -> Response:
        # The address is a function of the feed's token (a rotation changes it) and of the
        # address the client used; the tag is a digest, so it does not give the token away.
        token = calendar_feed_token(user=request.user)
        tag, answer = conditional.check(request, request.user.pk, token, request.scheme, request.get_host())
        if answer is not None:
            return answer
        return conditional.tagged(_answer(request, token), tag)


class CalendarFeedRotateView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="auth_me_calendar_feed_rotate",
        summary="A new calendar feed address; the old one answers 404 at once",
        request=None,
        responses={200: CalendarFeedSerializer, **errors(401, 429)},
    )
    def post(self, request: Request) -> Response:
        return _answer(request, calendar_feed_rotate(user=request.user))
