"""Shapes of RSVPs (Availability of the API contract)."""

from __future__ import annotations

from rest_framework import serializers

from bookwork.serializers import StrictCharField
from clubs.serializers import CachedFieldsMixin
from events.availability.models import Availability, RsvpStatus


class RsvpUserSerializer(serializers.Serializer):
    """The public face of a user in RSVP lists (no email or phone)."""

    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    avatar = serializers.CharField(read_only=True, allow_null=True)


class AvailabilitySerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """Availability: `user, status, notes, waitlisted, waitlist_position, updated_at`."""

    user = RsvpUserSerializer(read_only=True)

    class Meta:
        model = Availability
        fields = ["user", "status", "notes", "waitlisted", "waitlist_position", "updated_at"]
        read_only_fields = fields


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
