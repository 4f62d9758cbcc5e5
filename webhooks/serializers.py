"""Bodies of the webhook endpoints (docs/api.md, "Calendar feeds, safe retries and webhooks")."""

from __future__ import annotations

from rest_framework import serializers

from core.serializers import ModelSerializer, StrictURLField
from webhooks.models import Webhook, WebhookAttempt
from webhooks.types import SUBSCRIBABLE


class WebhookSerializer(ModelSerializer):
    class Meta:
        model = Webhook
        fields = ("id", "url", "events", "active", "disabled_reason", "created_at", "updated_at")
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Signs every delivery (HMAC-SHA256). Shown only in this answer: keep it."
    )

    class Meta(WebhookSerializer.Meta):
        fields = (*WebhookSerializer.Meta.fields, "secret")
        read_only_fields = fields


class WebhookWriteSerializer(serializers.Serializer):
    url = StrictURLField(max_length=2000, help_text="https:// (http only when the operator allows it).")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE),
        allow_empty=False,
        max_length=len(SUBSCRIBABLE),
        help_text="The types to deliver.",
    )
    active = serializers.BooleanField(required=False, default=True)


class WebhookUpdateSerializer(WebhookWriteSerializer):
    active = serializers.BooleanField(required=False)


class WebhookAttemptSerializer(ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ("id", "event_type", "status_code", "attempt", "delivered_at", "next_attempt_at", "error")
        read_only_fields = fields
