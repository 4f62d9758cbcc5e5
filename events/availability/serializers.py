"""Shapes of RSVPs (Availability of the API contract)."""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework import serializers

from core.serializers import StrictCharField
from events.availability.models import Availability, RsvpStatus
from events.availability.shapes import RSVP, RsvpUserSerializer, rsvp_row_of

__all__ = ["AvailabilitySerializer", "RsvpUserSerializer", "availability_row_data", "availability_rows_data"]


AvailabilitySerializer = RSVP.serializer(
    # The description of the schema's Availability component (unchanged).
    doc="""Availability: `user, status, notes, waitlisted, waitlist_position, updated_at`.

    Rendered by hand (`availability_row_data`); the declared fields document the schema.""",
    context=lambda rsvp: {
        "row": {"user_id": rsvp.user.pk, "user_name": rsvp.user.name, "user_avatar": rsvp.user.avatar}
    },
)


def availability_rows_data(rows: Iterable[tuple]) -> list[dict]:
    """The body of each `RSVP.Row` of `events.availability.selectors.AvailabilityRows`."""
    represent = RSVP.represent
    return [represent(row) for row in rows]


def rsvp_values_data(values: tuple, *, user) -> dict:
    """The body of `user`'s RSVP from its values (status, notes, waitlisted, waitlist_position,
    updated_at), as `events.selectors.EventVersion.my_rsvp` holds them."""
    status, notes, waitlisted, waitlist_position, updated_at = values
    row = RSVP.Row(
        status=status,
        notes=notes,
        waitlisted=waitlisted,
        waitlist_position=waitlist_position,
        updated_at=updated_at,
        user_id=user.pk,
        user_name=user.name,
        user_avatar=user.avatar,
    )
    return RSVP.represent(row)


def availability_row_data(row: Availability) -> dict:
    """The body of a model row whose `user` is loaded."""
    return RSVP.represent(rsvp_row_of(row, row.user))


class AvailabilityInputSerializer(serializers.Serializer):
    """Body of PUT .../availability/me/ and .../availability/{user_id}/."""

    status = serializers.ChoiceField(choices=RsvpStatus.choices)
    notes = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=2000)


class AvailabilitySummarySerializer(serializers.Serializer):
    available = serializers.IntegerField(help_text="Seated: `available` and not waitlisted.")
    maybe = serializers.IntegerField()
    unavailable = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    no_response = serializers.IntegerField(help_text="Active club members without an RSVP.")


class AvailabilityListSerializer(serializers.Serializer):
    """GET .../availability/: the summary of the whole event and a page of RSVPs."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    summary = AvailabilitySummarySerializer()
    results = AvailabilitySerializer(many=True)
