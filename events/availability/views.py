"""HTTP views of RSVPs: translate requests to selectors and services, nothing more."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from clubs.selectors import parse_uuid
from core import conditional, representations
from core.paginate import paginate
from core.pagination import PageNumberPagination, page_parameters
from core.responses import errors, path_ids
from events.availability import services
from events.availability.selectors import AvailabilityRows, active_member_user, availability_counts
from events.availability.serializers import (
    AvailabilityInputSerializer,
    AvailabilityListSerializer,
    AvailabilitySerializer,
    availability_row_data,
    availability_rows_data,
    rsvp_values_data,
)
from events.models import Event
from events.openapi import event_cancelled_409
from events.selectors import event_get_visible, event_version


def _upsert_response(event, user, body: AvailabilityInputSerializer) -> Response:
    row, created = services.availability_upsert(
        event_id=event.pk,
        user=user,
        status=body.validated_data["status"],
        notes=body.validated_data.get("notes"),
        notes_given="notes" in body.validated_data,
        seen_event=event,
    )
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response(availability_row_data(row), status=code)


@extend_schema(parameters=path_ids("event_id"))
class AvailabilityListView(APIView):
    pagination_class = PageNumberPagination  # documents the page shape; paginate() applies it

    @extend_schema(
        operation_id="events_availability_list",
        summary="RSVPs of an event with the event's summary counts",
        parameters=page_parameters(),
        responses={200: AvailabilityListSerializer, **errors(400, 404)},
    )
    def get(self, request, event_id):
        # Conditional and cached: the stamps of the event (its RSVPs) and of its club (members, for
        # `no_response`; the names shown) in one statement; then a 304, or the page every caller shares.
        user = request.user
        version, tag = self.get_versioned(request, user=user, event_id=event_id)
        if (answer := conditional.not_modified(request, tag)) is not None:
            return answer
        stamps = (version.epoch, version.stamp, version.club_stamp)
        key = representations.key("rsvps", version.event_id, *stamps, request.build_absolute_uri())
        body = representations.get_or_build(key, lambda: self._page(request, version))
        return conditional.tagged(Response(body), tag)

    @staticmethod
    def get_versioned(request, *, user, event_id):
        """(the event's version with its club's stamp, the ETag) of `get`, in one statement
        (core/revalidation.py)."""
        version = event_version(user=user, event_id=event_id, with_club=True)
        stamps = (version.epoch, version.stamp, version.club_stamp)
        return version, conditional.etag(request, *stamps, conditional.caller(user), version.role)

    def _page(self, request, version) -> dict:
        event = Event(id=version.event_id, club_id=version.club_id)  # visible: `event_version` said so
        summary, total = availability_counts(event=event)
        page = paginate(
            request,
            self,
            AvailabilityRows(event=event),
            count=total,
            extra={"summary": summary},
            represent=availability_rows_data,
        )
        return dict(page.data)


@extend_schema(parameters=path_ids("event_id"))
class MyAvailabilityView(APIView):
    @extend_schema(
        operation_id="events_availability_me_retrieve",
        summary="The caller's RSVP (404 when there is none)",
        responses={200: AvailabilitySerializer, **errors(404)},
    )
    def get(self, request, event_id):
        # Conditional: the event's stamp covers its RSVPs; the RSVP comes with the version read.
        user = request.user
        version, tag = self.get_versioned(request, user=user, event_id=event_id)
        if (answer := conditional.not_modified(request, tag)) is not None:
            return answer
        return conditional.tagged(Response(rsvp_values_data(version.my_rsvp, user=user)), tag)

    @staticmethod
    def get_versioned(request, *, user, event_id):
        """(the event's version with the caller's RSVP, the ETag) of `get`; Http404 without an
        RSVP (core/revalidation.py)."""
        version = event_version(user=user, event_id=event_id, with_my_rsvp=True)
        if version.my_rsvp is None:
            raise Http404
        return version, conditional.etag(request, version.epoch, version.stamp, conditional.caller(user), version.role)

    @extend_schema(
        operation_id="events_availability_me_update",
        summary="Upsert the caller's RSVP; `available` takes a seat or a waitlist place",
        request=AvailabilityInputSerializer,
        responses={
            200: AvailabilitySerializer,
            201: AvailabilitySerializer,
            **errors(400, 403, 404),
            409: event_cancelled_409,
        },
    )
    def put(self, request, event_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        services.rsvp_check(access=access, event=event)
        body = AvailabilityInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _upsert_response(event, request.user, body)

    @extend_schema(
        operation_id="events_availability_me_destroy",
        summary="Withdraw the caller's RSVP; a freed seat goes to the first on the waitlist",
        responses={204: None, **errors(404), 409: event_cancelled_409},
    )
    def delete(self, request, event_id):
        event, _ = event_get_visible(user=request.user, event_id=event_id)
        if not services.availability_delete(event_id=event.pk, user=request.user):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=path_ids("event_id", "user_id"))
class MemberAvailabilityView(APIView):
    @extend_schema(
        operation_id="events_availability_member_update",
        summary="Set an active member's RSVP (club moderators and admins)",
        request=AvailabilityInputSerializer,
        responses={
            200: AvailabilitySerializer,
            201: AvailabilitySerializer,
            **errors(400, 403, 404),
            409: event_cancelled_409,
        },
    )
    def put(self, request, event_id, user_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        services.rsvp_of_others_check(access=access)
        member = active_member_user(event=event, user_id=parse_uuid(user_id))
        if member is None:
            # Not an active member of this club: there is no such RSVP to set.
            raise Http404
        body = AvailabilityInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _upsert_response(event, member, body)

    @extend_schema(
        operation_id="events_availability_member_destroy",
        summary="Clear any user's RSVP to the event (club moderators and admins)",
        description=(
            "Deletes the RSVP of `user_id`, member or not (e.g. an outsider's seat), and gives a freed "
            "seat to the first on the waitlist. 404 when that user has no RSVP to the event; 409 "
            "`event_cancelled` on a cancelled event, whose RSVPs stay as history."
        ),
        responses={204: None, **errors(403, 404), 409: event_cancelled_409},
    )
    def delete(self, request, event_id, user_id):
        event, access = event_get_visible(user=request.user, event_id=event_id)
        services.rsvp_of_others_check(access=access)
        if not services.availability_delete(event_id=event.pk, user=parse_uuid(user_id)):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
