"""The Club response body, declared once (core/shapes.py): the SQL columns of the club reads
(`clubs.sql`), their rows (`ClubRow`), the JSON writer (`club_representation`) and the OpenAPI
schema (`clubs.serializers.ClubSerializer`) come from this key list. A new field is the model, its
migration and its name here (and in `services.CLUB_EDITABLE_FIELDS` when writable)."""

from __future__ import annotations

from rest_framework import serializers

from clubs.models import Club, ClubRole
from core.shapes import Computed, ModelShape

CLUB = ModelShape(
    Club,
    [
        "id",
        "name",
        "description",
        "owner",
        "is_public",
        "join_policy",
        "max_members",
        "meeting_frequency",
        "current_book",
        "location",
        "tags",
        "timezone",
        "reminder_hours",
        Computed(
            "member_count",
            schema=serializers.IntegerField(read_only=True),
            write=lambda row, context: row.member_count,
            of_instance=lambda club: club.member_count,
            columns=("member_count",),
        ),
        Computed(
            "my_role",
            schema=serializers.ChoiceField(choices=ClubRole.choices, read_only=True, allow_null=True),
            write=lambda row, context: row.my_role,
            of_instance=lambda club: club.my_role,
            columns=("my_role",),
        ),
        "created_at",
        "updated_at",
    ],
    name="Club",
    typed=False,  # ClubRows hands out UUID ids (tests/clubs/test_club_rows.py compares them to the ORM's)
)
# A club as the list and detail read it: its columns by attribute name (`owner_id`), then
# `member_count` and `my_role`.
ClubRow = CLUB.Row
