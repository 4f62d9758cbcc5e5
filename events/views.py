"""HTTP views of events: translate requests to selectors and services, nothing more."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from bookwork.pagination import PageNumberPagination
from clubs.selectors import club_access, club_get_visible, club_get_visible_with_access
from events import services
from events.calendar import event_calendar_ics
from events.openapi import errors, path_ids
from events.pagination import paginate
from events.selectors import (
    club_events_visible_to,
    event_get_visible,
    events_attach_rsvp_state,
    events_upcoming,
    events_visible_to,
)
from events.serializers import EventFilterSerializer, EventSerializer, EventWriteSerializer

DEFAULT_ORDERING = ["event_date", "event_time", "id"]


def _filtered_events(request, *, club=None, access=None):
    # A plain dict, not the QueryDict: DRF skips an empty value of a form-like input as "not given",
    # so `?type=` would answer 200 although the schema documents only the enum (`""` is a 400).
    params = EventFilterSerializer(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    filters = params.validated_data
    if club is not None:
        events = club_events_visible_to(request.user, club=club, access=access)
    else:
        events = events_visible_to(request.user)
        if filters.get("club"):
            events = events.filter(club_id=filters["club"])
    if filters.get("type"):
        events = events.filter(type=filters["type"])
    if filters.get("date_from"):
        events = events.filter(event_date__gte=filters["date_from"])
    if filters.get("date_to"):
        events = events.filter(event_date__lte=filters["date_to"])
    if filters.get("upcoming") is True:
        events = events_upcoming(events)
    if filters.get("attending") is not None:
        # `@>` on the array, so the GIN index idx_events_attendees can answer it.
        mine = {"attendees__contains": [request.user.pk]}
        events = events.filter(**mine) if filters["attending"] else events.exclude(**mine)
    ordering = filters.get("ordering")
    return events.order_by(*([ordering, "id"] if ordering else DEFAULT_ORDERING))


def _rsvp_state_for(request):
    def attach(page):
        events_attach_rsvp_state(page, user=request.user)

    return attach


class EventListView(APIView):
    pagination_class = PageNumberPagination  # documents the page shape; paginate() applies it

    @extend_schema(
        operation_id="events_list",
        summary="Events visible to the caller across clubs",
        parameters=[EventFilterSerializer],
        responses={200: EventSerializer(many=True), **errors(400)},
    )
    def get(self, request):
        return paginate(request, self, _filtered_events(request), EventSerializer, prepare=_rsvp_state_for(request))


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
        club, access = club_get_visible_with_access(user=request.user, club_id=club_id)
        events = _filtered_events(request, club=club, access=access)
        return paginate(request, self, events, EventSerializer, prepare=_rsvp_state_for(request))

    @extend_schema(
        operation_id="clubs_events_create",
        summary="Create an event (club moderators and admins)",
        request=EventWriteSerializer,
        responses={201: EventSerializer, **errors(400, 403, 404)},
    )
    def post(self, request, club_id):
        club = club_get_visible(user=request.user, club_id=club_id)
        if not club_access(user=request.user, club=club).can_manage_events():
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
