"""Shapes of events: the output of the API contract and the bodies of create and edit."""

from __future__ import annotations

import re

from rest_framework import serializers

from core.serializers import ModelSerializer, StrictCharField
from core.shapes import Computed
from events.availability.serializers import AvailabilitySerializer, rsvp_values_data
from events.availability.shapes import RSVP
from events.models import Event, EventType
from events.shapes import EDITABLE_FIELDS, EVENT, RSVP_COLUMNS, EventRow
from events.sql import EVENT_ORDERABLE

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


def _my_availability(row, context) -> dict | None:
    """The caller's RSVP of an `EventRow` as `AvailabilitySerializer` writes it, or None."""
    if row.rsvp_status is None:
        return None
    user = context["user"]
    return RSVP.represent(
        RSVP.Row(
            status=row.rsvp_status,
            notes=row.rsvp_notes,
            waitlisted=row.rsvp_waitlisted,
            waitlist_position=row.rsvp_waitlist_position,
            updated_at=row.rsvp_updated_at,
            user_id=user.pk,
            user_name=user.name,
            user_avatar=user.avatar,
        )
    )


def my_availability_of(values: tuple | None, *, user) -> dict | None:
    """The caller's RSVP as `my_availability` writes it, from its values (status, notes,
    waitlisted, waitlist_position, updated_at: `events.selectors.EventVersion.my_rsvp`), or None."""
    return None if values is None else rsvp_values_data(values, user=user)


def _my_rsvp_of(event: Event):
    return AvailabilitySerializer(event.my_rsvp[0]).data if event.my_rsvp else None


# The Event body of events/shapes.py, its `my_availability` completed with the RSVP shape.
EVENT_BODY = EVENT.completed(
    my_availability=Computed(
        "my_availability",
        schema=AvailabilitySerializer(allow_null=True),
        write=_my_availability,
        of_instance=_my_rsvp_of,
        columns=RSVP_COLUMNS,
    )
)
_RSVP_FIELDS = ("status", "notes", "waitlisted", "waitlist_position", "updated_at")


def _context_of(event: Event) -> dict:
    """What the writer needs of an `Event` read with its RSVP state (`waitlist_count`, `my_rsvp`:
    `event_get_visible(with_my_rsvp=True)`): the row's extra values, the caller, no fixed zone."""
    rsvp = event.my_rsvp[0] if event.my_rsvp else None
    row = {"waitlist_count": event.waitlist_count}
    row.update({f"rsvp_{name}": getattr(rsvp, name) if rsvp else None for name in _RSVP_FIELDS})
    return {"row": row, "user": rsvp.user if rsvp else None, "zone": None}


EventSerializer = EVENT_BODY.serializer(
    # The description of the schema's Event component (unchanged from the hand-declared serializer).
    doc="""Event of the contract. `my_availability` is the caller's RSVP or null; `attendees` the
    ordered ids of seated users. Expects `waitlist_count` and `my_rsvp` set
    (`event_get_visible(with_my_rsvp=True)`; the lists render `EventRow`s with `event_row_representation`).""",
    fields={"event_time": serializers.TimeField(format="%H:%M:%S")},
    context=_context_of,
)


def event_row_representation(event: EventRow, *, user, zone) -> dict:
    """`EventSerializer(e).data` of the event an `EventRow` was read from (with its RSVP state): the
    shape's writer. `user`: the caller, whose RSVP the row carries; `zone`: the current time zone
    (a page looks it up once for all its rows; None looks it up per value)."""
    return EVENT_BODY.represent(event, zone=zone, user=user)


class EventCancelSerializer(serializers.Serializer):
    """Body of POST /events/{id}/cancel/."""

    reason = StrictCharField(
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
        choices=[term for name in EVENT_ORDERABLE for term in (name, f"-{name}")], required=False
    )

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["date_to must not be before date_from."]})
        return attrs
