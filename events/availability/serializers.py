"""Shapes of RSVPs (Availability of the API contract)."""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework import serializers

from core.representation import datetime_text, uuid_text
from core.serializers import CachedFieldsMixin, StrictCharField
from events.availability.models import Availability, RsvpStatus


class RsvpUserSerializer(serializers.Serializer):
    """The public face of a user in RSVP lists (no email or phone)."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    avatar = serializers.CharField(read_only=True, allow_null=True)


class AvailabilitySerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """Availability: `user, status, notes, waitlisted, waitlist_position, updated_at`.

    Rendered by hand (`availability_row_data`); the declared fields document the schema."""

    user = RsvpUserSerializer(read_only=True)

    class Meta:
        model = Availability
        fields = ["user", "status", "notes", "waitlisted", "waitlist_position", "updated_at"]
        read_only_fields = fields

    def to_representation(self, instance: Availability) -> dict:
        return availability_row_data(instance)


def availability_data(
    *, user_id, user_name, user_avatar, status, notes, waitlisted, waitlist_position, updated_at
) -> dict:
    """`AvailabilitySerializer`'s output, built by hand from plain values (no nested serializer
    and no per-field machinery per row). The values map one to one to that serializer's fields;
    tests/events/test_availability_perf.py holds the two equal."""
    return {
        "user": {"id": uuid_text(user_id), "name": user_name, "avatar": user_avatar},
        "status": status,
        "notes": notes,
        "waitlisted": waitlisted,
        "waitlist_position": waitlist_position,
        "updated_at": datetime_text(updated_at),
    }


def availability_rows_data(rows: Iterable[tuple]) -> list[dict]:
    """`availability_data` of each row of `events.availability.selectors.AvailabilityRows`, whose
    tuples hold exactly its arguments, in order."""
    return [
        availability_data(
            user_id=user_id,
            user_name=user_name,
            user_avatar=user_avatar,
            status=status,
            notes=notes,
            waitlisted=waitlisted,
            waitlist_position=waitlist_position,
            updated_at=updated_at,
        )
        for user_id, user_name, user_avatar, status, notes, waitlisted, waitlist_position, updated_at in rows
    ]


def availability_row_data(row: Availability) -> dict:
    """`availability_data` of a model row whose `user` is loaded."""
    user = row.user
    return availability_data(
        user_id=user.pk,
        user_name=user.name,
        user_avatar=user.avatar,
        status=row.status,
        notes=row.notes,
        waitlisted=row.waitlisted,
        waitlist_position=row.waitlist_position,
        updated_at=row.updated_at,
    )


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
