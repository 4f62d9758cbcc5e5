"""The private calendar feed: `GET /calendar/<token>.ics` (docs/integrations.md).

No authentication: the secret address is the credential (`accounts.feeds`; an unknown, rotated
or malformed token, or that of a deactivated user, is a 404). The feed holds the events of the
user's clubs they answered `available` (seated or waitlisted) or `maybe`, or every event of
those clubs with `?all=true`, from 30 days back (`events.sql.calendar_feed_version` defines the
set), built by `events.calendar` (the single-event export's UID, SEQUENCE and STATUS, one
VTIMEZONE per zone).

Calendar clients poll all day, so the conditional answer is computed from that one cheap
statement without building the calendar: the weak `ETag` is a digest of the events' and clubs'
(id, updated_at) pairs, the `all` flag and the address's rotation; `Last-Modified` is the newest
of those changes and of the user's RSVPs. `If-None-Match` wins over `If-Modified-Since` (RFC 9110).
Throttled per token (scope `calendar_feed`) and per client IP (`anon`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts.feeds import feed_token_hash
from core.responses import errors
from core.throttling import UserRateThrottle, WindowRateThrottle
from events import sql
from events.calendar import events_calendar_ics
from events.models import Event, RsvpStatus

FEED_DAYS_BACK = 30
# How long a built feed is kept for the next fetch of the same version (a newer version is a new key).
FEED_CACHE_SECONDS = 6 * 3600
TOKEN_FORMAT = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Bumped when the calendar's rendering changes, so that clients holding an old ETag refetch.
FEED_FORMAT = "1"


class CalendarFeedThrottle(WindowRateThrottle):
    """Per feed address (its hash, never the token itself), whoever asks; a counter in Redis
    (calendar apps poll all day: no pickled history of every fetch)."""

    scope = "calendar_feed"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": feed_token_hash(view.kwargs.get("token", ""))}


class FirstRenderer(BaseContentNegotiation):
    """Calendar clients send `Accept: text/calendar`; the feed answers it whatever they accept,
    and its errors in JSON (the only renderer), instead of 406."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _etag_matches(header: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2) of `etag` with each entry of an If-None-Match header."""
    if header.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(candidate.strip().removeprefix("W/") == opaque for candidate in header.split(","))


def _not_modified(request, etag: str, last_modified: dt.datetime) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    return since is not None and int(last_modified.timestamp()) <= since


def _version(token: str, every_event: bool):
    with connection.cursor() as cursor:
        cursor.execute(
            sql.calendar_feed_version(every=every_event),
            {
                "token_hash": feed_token_hash(token),
                "since": timezone.localdate() - dt.timedelta(days=FEED_DAYS_BACK),
                "available": RsvpStatus.AVAILABLE,
                "maybe": RsvpStatus.MAYBE,
            },
        )
        return cursor.fetchone()


def feed_version(*, token: str, every_event: bool) -> tuple[str, dt.datetime, list] | None:
    """(weak ETag, Last-Modified, event ids in start order) of the feed of `token`, from the one
    version statement; None when no active user has that address."""
    row = _version(token, every_event)
    if row is None:
        return None
    _user_id, rotated_at, rsvps_changed, events_changed, digest, event_ids = row
    tag = hashlib.sha256(f"{FEED_FORMAT}|{digest}|{every_event}|{rotated_at.isoformat()}".encode()).hexdigest()
    last_modified = max(moment for moment in (rotated_at, rsvps_changed, events_changed) if moment is not None)
    return f'W/"{tag[:32]}"', last_modified, event_ids


def feed_body(*, token: str, etag: str, event_ids: list) -> bytes:
    """The feed's iCalendar text, built once per version: kept in the shared cache (Redis, or
    the database cache) under the address's hash and the ETag, which changes with every input of
    the text (each event's and club's `updated_at`, the set of events, the `all` flag, the
    address's rotation). Many calendar apps fetch without If-None-Match all day; they get the
    stored text instead of a rebuild (icalendar costs about a millisecond per event)."""
    key = f"calendar-feed:{feed_token_hash(token)}:{etag}"
    body = cache.get(key)
    if body is None:
        by_id = {event.pk: event for event in Event.objects.filter(pk__in=event_ids).select_related("club")}
        body = events_calendar_ics([by_id[event_id] for event_id in event_ids if event_id in by_id], name="Bookwork")
        cache.set(key, body, FEED_CACHE_SECONDS)
    return body


class CalendarFeedView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [CalendarFeedThrottle, UserRateThrottle]
    content_negotiation_class = FirstRenderer

    @extend_schema(
        operation_id="calendar_feed",
        summary="A user's private calendar feed (iCalendar; the address is the credential)",
        auth=[],
        parameters=[
            OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=TOKEN_FORMAT.pattern),
            OpenApiParameter("all", OpenApiTypes.BOOL, description="Every event of the user's clubs."),
        ],
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="An iCalendar file."),
            304: OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since)."),
            **{code: response for code, response in errors(404).items() if code != 401},
        },
    )
    def get(self, request, token: str):
        if not TOKEN_FORMAT.match(token):
            raise Http404
        every_event = request.query_params.get("all", "").lower() in ("true", "1")
        version = feed_version(token=token, every_event=every_event)
        if version is None:
            raise Http404
        etag, last_modified, event_ids = version
        if _not_modified(request, etag, last_modified):
            response = HttpResponse(status=304)
        else:
            body = feed_body(token=token, etag=etag, event_ids=event_ids)
            response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified.timestamp())
        response["Cache-Control"] = "private, no-cache"
        return response
