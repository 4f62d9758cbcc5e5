"""The Club and membership response bodies, declared once (core/shapes.py).

Club: the SQL columns of the club reads (`clubs.sql`), their rows (`ClubRow`), the JSON writer
(`club_representation`) and the OpenAPI schema (`clubs.serializers.ClubSerializer`) come from this
key list. A new field is the model, its migration and its name here (and in
`services.CLUB_EDITABLE_FIELDS` when writable).

Membership (`MEMBER`): the SQL columns and rows of the member list (`clubs.sql.member_rows_page`)
and its JSON writer; `clubs.serializers.MemberSerializer` (DRF's generic path, which documents the
body and renders single memberships) takes its keys from here, and tests/clubs/test_member_rows.py
holds the writer equal to it byte for byte."""

from __future__ import annotations

import uuid

from rest_framework import serializers

from clubs.models import Club, ClubMember, ClubRole
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


def _member_user(row, context) -> dict:
    """The membership's user; `email` and `phone` only where the caller's `ClubAccess`
    (`context["access"]`, clubs/permissions.py: the one home of that rule) allows."""
    user = {"id": row.user_id, "name": row.user_name, "avatar": row.user_avatar}
    access = context["access"]
    if access.can_see_contacts_of(member_user_id=uuid.UUID(row.user_id), member_is_active=row.is_active):
        user["email"] = row.user_email
        user["phone"] = row.user_phone
    return user


MEMBER = ModelShape(
    ClubMember,
    [
        Computed(
            "user",
            write=_member_user,
            columns=("user_id", "user_name", "user_avatar", "user_email", "user_phone"),
        ),
        "role",
        "joined_date",
        "books_read",
        "is_active",
    ],
    name="Member",
)
