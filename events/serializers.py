"""Shapes of events: the output of the API contract and the bodies of create and edit."""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookwork.representation import datetime_text, uuid_text
from bookwork.serializers import ModelSerializer
from clubs.serializers import CachedFieldsMixin
from events.availability.serializers import AvailabilitySerializer, availability_data
from events.models import Event, EventType
from events.selectors import EventRow
from events.services import EDITABLE_FIELDS

_OFFSET = re.compile(r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")

# Bounds that keep values inside PostgreSQL `integer` (never a 500 from an overflow).
MAX_DURATION_MINUTES = 7 * 24 * 60
MAX_ATTENDEES_LIMIT = 100_000


class LocalTimeField(serializers.TimeField):
    """`HH:MM[:SS]` of the club's wall clock. A UTC offset is refused (DRF would silently drop it)."""

    def to_internal_value(self, value):
        if isinstance(value, str) and _OFFSET.search(value.strip()):
            self.fail("invalid", format="hh:mm[:ss] without a UTC offset")
        return super().to_internal_value(value).replace(microsecond=0)


class EventSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """Event of the contract. `my_availability` is the caller's RSVP or null; `attendees` the
    ordered ids of seated users. Expects `waitlist_count` and `my_rsvp` set
    (`event_get_visible(with_my_rsvp=True)`; the lists render `EventRow`s with `event_row_representation`)."""

    event_time = serializers.TimeField(format="%H:%M:%S")
    attendee_count = serializers.SerializerMethodField()
    waitlist_count = serializers.SerializerMethodField()
    my_availability = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "club",
            *EDITABLE_FIELDS,
            "status",
            "cancel_reason",
            "created_by",
            "attendees",
            "attendee_count",
            "waitlist_count",
            "my_availability",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, event: Event) -> dict:
        # By hand for speed, through the lists' writer so the shape is written once
        # (tests/events/test_representation.py holds it equal to the fields declared above).
        return event_row_representation(_event_row_of(event), user=_rsvp_user(event), zone=None)

    def get_attendee_count(self, event: Event) -> int:
        return len(event.attendees or [])

    def get_waitlist_count(self, event: Event) -> int:
        # No default: an event without its RSVP state attached is a bug of the caller, not a 0.
        return event.waitlist_count

    @extend_schema_field(AvailabilitySerializer(allow_null=True))
    def get_my_availability(self, event: Event):
        rows = event.my_rsvp
        return AvailabilitySerializer(rows[0]).data if rows else None


_RSVP_FIELDS = ("status", "notes", "waitlisted", "waitlist_position", "updated_at")


def _event_row_of(event: Event) -> EventRow:
    """The `EventRow` the lists would read for `event` (with `waitlist_count` and `my_rsvp` set)."""
    rsvp = event.my_rsvp[0] if event.my_rsvp else None
    values = {name: getattr(event, name) for name in EventRow._fields if not name.startswith("rsvp_")}
    values.update(
        id=str(event.id),
        club_id=str(event.club_id),
        created_by_id=uuid_text(event.created_by_id),
        attendees=[str(user_id) for user_id in event.attendees or []],
    )
    values.update({f"rsvp_{name}": getattr(rsvp, name) if rsvp else None for name in _RSVP_FIELDS})
    return EventRow(**values)


def _rsvp_user(event: Event):
    return event.my_rsvp[0].user if event.my_rsvp else None


def event_row_representation(event: EventRow, *, user, zone) -> dict:
    """`EventSerializer(e).data` of the event an `events.selectors.EventRow` was read from (with
    its RSVP state attached), written out for the event lists: the same keys in the same order
    with the same values. `user`: the caller, whose RSVP the row carries; `zone`: the current time
    zone (a page looks it up once for all its rows; None looks it up). tests/events/test_event_rows.py holds it equal
    to the serializer."""
    attendees = event.attendees
    if event.rsvp_status is None:
        my_availability = None
    else:
        my_availability = availability_data(
            user_id=user.pk,
            user_name=user.name,
            user_avatar=user.avatar,
            status=event.rsvp_status,
            notes=event.rsvp_notes,
            waitlisted=event.rsvp_waitlisted,
            waitlist_position=event.rsvp_waitlist_position,
            updated_at=event.rsvp_updated_at,
        )
    return {
        "id": event.id,
        "club": event.club_id,
        "title": event.title,
        "description": event.description,
        "event_date": event.event_date.isoformat(),
        "event_time": event.event_time.strftime("%H:%M:%S"),
        "duration_minutes": event.duration_minutes,
        "location": event.location,
        "book": event.book,
        "type": event.type,
        "max_attendees": event.max_attendees,
        "is_public": event.is_public,
        "status": event.status,
        "cancel_reason": event.cancel_reason,
        "created_by": event.created_by_id,
        "attendees": attendees,
        "attendee_count": len(attendees),
        "waitlist_count": event.waitlist_count,
        "my_availability": my_availability,
        "created_at": datetime_text(event.created_at, zone),
        "updated_at": datetime_text(event.updated_at, zone),
    }


class EventCancelSerializer(serializers.Serializer):
    """Body of POST /events/{id}/cancel/."""

    reason = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=2000, help_text="Shown to the people told."
    )


class EventWriteSerializer(ModelSerializer):
    """Body of POST (all required fields) and PATCH (partial) of an event."""

    event_time = LocalTimeField(format="%H:%M:%S")
    type = serializers.ChoiceField(choices=EventType.choices, default=EventType.DISCUSSION)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, default=120)
    max_attendees = serializers.IntegerField(
        min_value=1, max_value=MAX_ATTENDEES_LIMIT, allow_null=True, required=False, default=None
    )

    class Meta:
        model = Event
        fields = list(EDITABLE_FIELDS)
        extra_kwargs = {
            "description": {"allow_null": True, "allow_blank": True, "required": False},
            "book": {"allow_null": True, "allow_blank": True, "required": False},
            "is_public": {"required": False, "default": False},
        }

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.", code="blank")
        return value.strip()


class EventFilterSerializer(serializers.Serializer):
    """Query parameters of the event lists; any invalid value is a 400 naming the parameter (an empty
    `?upcoming=` too: a boolean is documented, not null)."""

    club = serializers.UUIDField(required=False)
    type = serializers.ChoiceField(choices=EventType.choices, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    upcoming = serializers.BooleanField(required=False)
    attending = serializers.BooleanField(required=False)
    ordering = serializers.ChoiceField(
        choices=["event_date", "-event_date", "created_at", "-created_at", "title", "-title"], required=False
    )

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["date_to must not be before date_from."]})
        return attrs
