"""HTTP views of events: translate requests to selectors and services, nothing more."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from bookwork.pagination import PageNumberPagination
from clubs.selectors import club_get_visible_with_access
from events import services
from events.calendar import event_calendar_ics
from events.openapi import errors, event_cancelled_409, path_ids
from events.pagination import paginate
from events.selectors import EventRows, event_get_visible
from events.serializers import (
    EventCancelSerializer,
    EventFilterSerializer,
    EventSerializer,
    EventWriteSerializer,
    event_row_representation,
)

# The query parameters `EventFilterSerializer` reads (`page` and `page_size` are the paginator's).
FILTER_NAMES = frozenset(EventFilterSerializer().fields)


def _event_rows(request, *, access=None) -> EventRows:
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
    return EventRows(user=request.user, access=access, **filters)


def _represent_for(request):
    """The `represent` of `paginate` for a page of `EventRow`s of `request`'s caller."""

    def represent(page) -> list[dict]:
        user, zone = request.user, timezone.get_current_timezone()
        return [event_row_representation(row, user=user, zone=zone) for row in page]

    return represent


class EventListView(APIView):
    pagination_class = PageNumberPagination  # documents the page shape; paginate() applies it

    @extend_schema(
        operation_id="events_list",
        summary="Events visible to the caller across clubs",
        parameters=[EventFilterSerializer],
        responses={200: EventSerializer(many=True), **errors(400)},
    )
    def get(self, request):
        return paginate(request, self, _event_rows(request), represent=_represent_for(request))


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
        _, access = club_get_visible_with_access(user=request.user, club_id=club_id)
        return paginate(request, self, _event_rows(request, access=access), represent=_represent_for(request))

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
        if not access.can_manage_events():
            raise PermissionDenied("Only club moderators and admins may create events.")
        body = EventWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = services.event_create(club=club, created_by=request.user, data=body.validated_data)
        event, _ = event_get_visible(user=request.user, event_id=event.pk, with_my_rsvp=True)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=path_ids("event_id"))
class EventDetailView(APIView):
    @extend_schema(operation_id="events_retrieve", responses={200: EventSerializer, **errors(404)})
    def get(self, request, event_id):
        event, _ = event_get_visible(user=request.user, event_id=event_id, with_my_rsvp=True)
        return Response(EventSerializer(event).data)

    @extend_schema(
        operation_id="events_partial_update",
        summary="Edit an event (club moderators and admins); every edit increments the calendar SEQUENCE",
        request=EventWriteSerializer(partial=True),
        responses={200: EventSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request, event_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        if not access.can_manage_events():
            raise PermissionDenied("Only club moderators and admins may edit events.")
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
        if not access.can_manage_events():
            raise PermissionDenied("Only club moderators and admins may delete events.")
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
        if not access.can_manage_events():
            raise PermissionDenied("Only club moderators and admins may cancel events.")
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
        event, _ = event_get_visible(user=request.user, event_id=event_id)
        response = HttpResponse(event_calendar_ics(event), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
        return response
