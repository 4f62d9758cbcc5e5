"""Shapes of notifications in the API: the notification, its list page (with `unread_count`),
the list's filters, and the email settings."""

from __future__ import annotations

from rest_framework import serializers

from bookwork.representation import datetime_text, uuid_text
from notifications.kinds import KIND_CHOICES, KINDS
from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """A notification of the caller: `club` and `event` are ids, null when there is none (or it
    was deleted since)."""

    kind = serializers.ChoiceField(choices=KIND_CHOICES)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "club", "event", "created_at", "read_at"]
        read_only_fields = fields

    def to_representation(self, notification: Notification) -> dict:
        # By hand (the list is a hot read); tests/notifications/test_api.py holds it equal to DRF's.
        return notification_representation(notification)


def notification_representation(notification: Notification, zone=None) -> dict:
    return {
        "id": str(notification.id),
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "club": uuid_text(notification.club_id),
        "event": uuid_text(notification.event_id),
        "created_at": datetime_text(notification.created_at, zone),
        "read_at": datetime_text(notification.read_at, zone),
    }


class NotificationPageSerializer(serializers.Serializer):
    """One page of the caller's notifications (documentation of the list's body)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    unread_count = serializers.IntegerField(help_text="All the caller's unread notifications, whatever the filters.")
    results = NotificationSerializer(many=True)


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, help_text="true: unread only; false: read only.")
    kind = serializers.ChoiceField(choices=KIND_CHOICES, required=False)


class EmailSettingsField(serializers.DictField):
    child = serializers.BooleanField()

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = sorted(set(value) - set(KINDS))
        if unknown:
            raise serializers.ValidationError(f"Unknown kinds: {', '.join(unknown)}.", code="invalid_kind")
        return value


class NotificationSettingsSerializer(serializers.Serializer):
    """`email`: for every kind, whether it also goes by email (PATCH: any subset of kinds)."""

    email = EmailSettingsField(help_text="Kind -> whether it also goes by email. " + ", ".join(KINDS))
