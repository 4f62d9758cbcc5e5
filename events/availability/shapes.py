"""The RSVP (Availability) response body, declared once (core/shapes.py): the SQL columns of the
RSVP list (`events.availability.sql.rows`), its rows, the JSON writer and the OpenAPI schema
(`events.availability.serializers.AvailabilitySerializer`) come from this key list; an event's
`my_availability` is written by it too (`events.serializers`)."""

from __future__ import annotations

from rest_framework import serializers

from core.representation import uuid_text
from core.shapes import Computed, ModelShape
from events.availability.models import Availability


class RsvpUserSerializer(serializers.Serializer):
    """The public face of a user in RSVP lists (no email or phone)."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    avatar = serializers.CharField(read_only=True, allow_null=True)


def _user(row, context) -> dict:
    return {"id": uuid_text(row.user_id), "name": row.user_name, "avatar": row.user_avatar}


RSVP = ModelShape(
    Availability,
    [
        Computed(
            "user",
            schema=RsvpUserSerializer(read_only=True),
            write=_user,
            of_instance=lambda rsvp: dict(RsvpUserSerializer(rsvp.user).data),
            columns=("user_id", "user_name", "user_avatar"),
        ),
        "status",
        "notes",
        "waitlisted",
        "waitlist_position",
        "updated_at",
    ],
    name="Availability",
)


def rsvp_row_of(rsvp: Availability, user) -> tuple:
    """The `RSVP.Row` of a model row, with `user` (the RSVP's user) as its public face."""
    return RSVP.row_of(rsvp, user_id=user.pk, user_name=user.name, user_avatar=user.avatar)
