"""HTTP views of events: translate requests to selectors and services, nothing more."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from clubs.selectors import club_get_visible_with_access, club_version
from core import conditional, representations
from core.paginate import paginate
from core.pagination import PageNumberPagination
from core.responses import errors, path_ids
from events import services
from events.calendar import event_calendar_ics, event_revised_at
from events.openapi import event_cancelled_409
from events.selectors import (
    EventRows,
    event_get_versioned,
    event_get_visible,
    event_version,
    my_rsvps_of,
    visible_events_version,
)
from events.serializers import (
    EventCancelSerializer,
    EventFilterSerializer,
    EventSerializer,
    EventWriteSerializer,
    event_row_representation,
    my_availability_of,
)

# The query parameters `EventFilterSerializer` reads (`page` and `page_size` are the paginator's).
FILTER_NAMES = frozenset(EventFilterSerializer().fields)


def _event_rows(request, *, access=None, now: dt.datetime | None = None) -> EventRows:
    """The rows of an event list, filtered by the query parameters (any invalid one is a 400)."""
    if FILTER_NAMES.isdisjoint(request.query_params):
        # Nothing to validate: every filter is optional without a default, so the serializer
        # would answer no filters (tests/events/test_event_rows.py); building it costs ~0.1 ms.
        filters = {}
    else:
        # A plain dict, not the QueryDict: DRF skips an empty value of a form-like input as "not
        # given", so `?type=` would answer 200 although the schema documents only the enum.
        params = EventFilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
    if access is not None:
        filters.pop("club", None)  # the path names the club; `?club=` is validated, not applied
    return EventRows(user=request.user, access=access, now=now, **filters)


def _represent_for(request):
    """The `represent` of `paginate` for a page of `EventRow`s of `request`'s caller."""

    def represent(page) -> list[dict]:
        user, zone = request.user, timezone.get_current_timezone()
        return [event_row_representation(row, user=user, zone=zone) for row in page]

    return represent


def _next_second() -> dt.datetime:
    now = timezone.now()
    return now if not now.microsecond else now.replace(microsecond=0) + dt.timedelta(seconds=1)


class EventListView(APIView):
    pagination_class = PageNumberPagination  # documents the page shape; paginate() applies it

    @extend_schema(
        operation_id="events_list",
        summary="Events visible to the caller across clubs",
        parameters=[EventFilterSerializer],
        responses={200: EventSerializer(many=True), **errors(400)},
    )
    def get(self, request):
        # Every club the caller may see, with its stamp and its events' version, in one statement
        # (what the rows and the caller's RSVPs on them are a function of); "upcoming" as in a
        # club's events (below).
        now = _next_second() if "upcoming" in request.query_params else None
        rows = _event_rows(request, now=now)
        version = visible_events_version(user=request.user)
        tag, answer = conditional.check(request, *version, now, conditional.caller(request.user))
        if answer is not None:
            return answer
        return conditional.tagged(paginate(request, self, rows, represent=_represent_for(request)), tag)


@extend_schema(parameters=path_ids("club_id"))
class ClubEventListView(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="clubs_events_list",
        summary="Events of one club visible to the caller",
        parameters=[EventFilterSerializer],
        responses={200: EventSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, club_id):
        # Conditional and cached (docs/architecture.md, "Versions, ETags and cached representations"):
        # the club's version and the caller's role in one statement, then a 304, or the page shared
        # by every caller who sees the same events, with the caller's RSVPs merged in (one more).
        user = request.user
        (version, stamps), tag = self.get_versioned(request, user=user, club_id=club_id)
        if (answer := conditional.not_modified(request, tag)) is not None:
            return answer
        now = stamps[-1]
        attending = user.pk if "attending" in request.query_params else None
        access = version.access
        seen = "all" if access.site_admin else ("member" if access.is_member else "public")
        key = representations.key(
            "club-events", version.club_id, *stamps, seen, attending, request.build_absolute_uri()
        )
        built = {}  # the caller's own page, when this request builds the shared one

        def build() -> dict:
            rows = _event_rows(request, access=access, now=now)
            built.update(paginate(request, self, rows, represent=_represent_for(request)).data)
            return {**built, "results": [{**event, "my_availability": None} for event in built["results"]]}

        shared = representations.get_or_build(key, build)
        if built:
            return conditional.tagged(Response(built), tag)
        events = shared["results"]
        rsvps = my_rsvps_of(user=user, event_ids=[event["id"] for event in events])
        results = [
            {**event, "my_availability": my_availability_of(rsvps.get(event["id"]), user=user)} for event in events
        ]
        return conditional.tagged(Response({**shared, "results": results}), tag)

    @staticmethod
    def get_versioned(request, *, user, club_id):
        """((the club's version, the stamps the page is made of), the ETag) of `get`, in one
        statement (core/revalidation.py)."""
        version = club_version(user=user, club_id=club_id, with_events=True)
        # "upcoming" is judged at a whole second (events start at whole seconds, so `start >= now`
        # is `start >= ceil(now)`): the page is the same for every request in that second.
        now = _next_second() if "upcoming" in request.GET else None
        stamps = (version.epoch, version.stamp, version.events, now)
        return (version, stamps), conditional.etag(request, *stamps, conditional.caller(user), version.access.role)

    @extend_schema(
        operation_id="clubs_events_create",
        summary="Create an event (club moderators and admins)",
        request=EventWriteSerializer,
        responses={201: EventSerializer, **errors(400, 403, 404)},
    )
    def post(self, request, club_id):
        # Club and role in one read: a club deleted meanwhile is a 404 (here or under the service's
        # club lock), never a 403 from a membership row that went with it.
        club, access = club_get_visible_with_access(user=request.user, club_id=club_id)
        services.event_manage_check(access=access, verb="create")
        body = EventWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = services.event_create(club=club, created_by=request.user, data=body.validated_data)
        event, _ = event_get_visible(user=request.user, event_id=event.pk, with_my_rsvp=True)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=path_ids("event_id"))
class EventDetailView(APIView):
    @extend_schema(operation_id="events_retrieve", responses={200: EventSerializer, **errors(404)})
    def get(self, request, event_id):
        # Conditional, in one statement: the event's row, the caller's role and RSVP, and its
        # stamps; then a 304, or the body written from that same row. Not cached: a cached body
        # needed a second statement and two cache round trips whenever the cache was cold, which
        # cost more than writing the body (make bench's event detail, docs/performance.md).
        user = request.user
        event, access, (stamp, epoch) = event_get_versioned(user=user, event_id=event_id)
        tag = self._tag(request, user, epoch, stamp, access.role)
        if (answer := conditional.not_modified(request, tag)) is not None:
            return answer
        return conditional.tagged(Response(EventSerializer(event).data), tag)

    @staticmethod
    def _tag(request, user, epoch, stamp, role) -> str:
        return conditional.etag(request, epoch, stamp, conditional.caller(user), role)

    @classmethod
    def get_versioned(cls, request, *, user, event_id):
        """The ETag of `get` from the event's stamps alone, for a revalidation before the view
        (core/revalidation.py); `get` reads the same stamps with the event's row instead."""
        version = event_version(user=user, event_id=event_id)
        return version, cls._tag(request, user, version.epoch, version.stamp, version.role)

    @extend_schema(
        operation_id="events_partial_update",
        summary="Edit an event (club moderators and admins); every edit increments the calendar SEQUENCE",
        request=EventWriteSerializer(partial=True),
        responses={200: EventSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request, event_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        services.event_manage_check(access=access, verb="edit")
        body = EventWriteSerializer(event, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        services.event_update(event_id=event.pk, data=body.validated_data)
        event, _ = event_get_visible(user=request.user, event_id=event.pk, with_my_rsvp=True)
        return Response(EventSerializer(event).data)

    @extend_schema(
        operation_id="events_destroy",
        summary="Delete an event (club moderators and admins)",
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request, event_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        services.event_manage_check(access=access, verb="delete")
        services.event_delete(event_id=event.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=path_ids("event_id"))
class EventCancelView(APIView):
    @extend_schema(
        operation_id="events_cancel",
        summary="Cancel an event (club moderators and admins); its RSVPs stay as history",
        request=EventCancelSerializer,
        responses={200: EventSerializer, **errors(400, 403, 404), 409: event_cancelled_409},
    )
    def post(self, request, event_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        services.event_manage_check(access=access, verb="cancel")
        body = EventCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.event_cancel(event_id=event.pk, reason=body.validated_data.get("reason"))
        event, _ = event_get_visible(user=request.user, event_id=event.pk, with_my_rsvp=True)
        return Response(EventSerializer(event).data)


@extend_schema(parameters=path_ids("event_id"))
class EventCalendarView(APIView):
    @extend_schema(
        operation_id="events_calendar",
        summary="The event as iCalendar (one VEVENT, stable UID, SEQUENCE grows with each edit)",
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="An iCalendar file."),
            **errors(404),
        },
    )
    def get(self, request, event_id):
        # The file is a function of the event's row and its club's (read with visibility in the
        # one statement): their `updated_at`s, both kept by triggers, are its version.
        event, _ = event_get_visible(user=request.user, event_id=event_id)
        revised = event_revised_at(event)
        tag, answer = conditional.check(request, event.pk, event.updated_at, event.club.updated_at)
        if answer is not None:
            return conditional.dated(answer, revised)
        response = HttpResponse(event_calendar_ics(event), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
        return conditional.dated(conditional.tagged(response, tag), revised)
