"""Shapes of clubs and memberships in the API. Input serializers validate only; the services decide
and write; output serializers render rows the selectors loaded (with their annotations)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from clubs.models import ClubMember, ClubRole, JoinPolicy
from clubs.shapes import CLUB, MEMBER
from clubs.validators import (
    MAX_INT,
    MAX_REMINDER_HOURS,
    MAX_REMINDERS,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MIN_REMINDER_HOURS,
    normalize_reminder_hours,
    normalize_tags,
    validate_timezone,
)
from core.serializers import CachedFieldsMixin, StrictCharField, StrictUUIDField

User = get_user_model()


def _django_to_drf(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(error.messages, code=getattr(error, "code", None) or "invalid")


class TagListField(serializers.ListField):
    """A list of tags, normalised: trimmed, lower-case, de-duplicated, blanks dropped."""

    child = StrictCharField(allow_blank=True, trim_whitespace=True)

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", f"At most {MAX_TAGS} tags of at most {MAX_TAG_LENGTH} characters; stored lower-case."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        tags = super().to_internal_value(data)
        try:
            return normalize_tags(tags)
        except DjangoValidationError as error:
            raise _django_to_drf(error) from None


class ReminderHoursField(serializers.ListField):
    """Hours before each event's start at which reminders go out; stored de-duplicated, longest first."""

    child = serializers.IntegerField(min_value=MIN_REMINDER_HOURS, max_value=MAX_REMINDER_HOURS)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_REMINDERS)
        kwargs.setdefault(
            "help_text",
            f"Whole hours before the start, each {MIN_REMINDER_HOURS}..{MAX_REMINDER_HOURS}, at most "
            f"{MAX_REMINDERS} (default [168, 24]); [] sends no reminders.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        hours = super().to_internal_value(data)
        try:
            return normalize_reminder_hours(hours)
        except DjangoValidationError as error:
            raise _django_to_drf(error) from None


class TimezoneField(StrictCharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", "An IANA time zone name, e.g. Europe/Berlin.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return validate_timezone(value)
        except DjangoValidationError as error:
            raise _django_to_drf(error) from None


# --- clubs -----------------------------------------------------------------------------------
ClubSerializer = CLUB.serializer(
    doc="""A club as the caller sees it. `member_count` counts active members; `my_role` is the caller's
    active club role, or null.""",
    fields={
        "owner": serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text="User id of the owner.")
    },
    writes=False,  # DRF's own `.data`: the reference `club_representation` is tested against
)


def club_representation(club, *, zone=None) -> dict:
    """`ClubSerializer(club).data` as JSON (the same keys in the same order with the same values),
    written by the shape's writer (clubs/shapes.py): for the list and detail of clubs, where DRF's
    generic machinery cost more CPU than the rest of the request. `club`: a `ClubRow` or an
    annotated `Club`; `zone`: the current time zone (looked up when not given; a page passes it
    once for all its rows). tests/clubs/test_club_rows.py holds it equal to the serializer."""
    if zone is None:
        zone = timezone.get_current_timezone()
    if not isinstance(club, tuple):
        club = CLUB.row_of(club, member_count=club.member_count, my_role=club.my_role)
    return CLUB.represent(club, zone=zone)


class ClubWriteSerializer(serializers.Serializer):
    """Body of POST (all rules) and PATCH (partial) of a club."""

    name = StrictCharField(min_length=1, max_length=255)
    description = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=10000)
    is_public = serializers.BooleanField(required=False)
    join_policy = serializers.ChoiceField(
        choices=JoinPolicy.choices,
        required=False,
        help_text="`open`, `approval` or `invite`. Public clubs default to `open`; private clubs are always "
        "`invite` (another value is a 400).",
    )
    max_members = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_INT, help_text="Cap on active members."
    )
    meeting_frequency = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=50)
    current_book = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    location = StrictCharField(required=False, allow_null=True, allow_blank=True, max_length=255)
    tags = TagListField(required=False)
    timezone = TimezoneField(required=False)
    reminder_hours = ReminderHoursField(required=False)


# --- members ---------------------------------------------------------------------------------
class MemberUserSerializer(serializers.Serializer):
    """The user of a membership. `email` and `phone` appear only for the user themself, the club's
    admins and site admins."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)
    email = serializers.EmailField(required=False)
    phone = serializers.CharField(required=False, allow_null=True)


class MemberSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """A membership row. Needs `access` (a `ClubAccess`) in the context to decide on contacts.
    DRF's generic path: it documents the body and renders single memberships; the member list is
    written by the `MEMBER` shape's writer (clubs/shapes.py), held equal to this."""

    user = MemberUserSerializer()
    role = serializers.ChoiceField(choices=ClubRole.choices)

    class Meta:
        model = ClubMember
        fields = list(MEMBER.keys)
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        access = self.context["access"]
        if not access.can_see_contacts_of(member_user_id=instance.user_id, member_is_active=instance.is_active):
            data["user"].pop("email", None)
            data["user"].pop("phone", None)
        return data


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ClubRole.choices, required=False)
    books_read = serializers.IntegerField(required=False, min_value=0, max_value=MAX_INT)
    is_active = serializers.BooleanField(required=False, help_text="false removes the member, true reinstates.")


class TransferOwnershipSerializer(serializers.Serializer):
    user_id = StrictUUIDField(help_text="An active member of the club.")
