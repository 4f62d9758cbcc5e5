"""Webhooks of a club, their deliveries and the log of delivery attempts.

Contracts:
- `Webhook.secret` signs every delivery (HMAC-SHA256); the API shows it once, in the answer that
  created the hook. `active` turns off on a 410 answer or after 24 hours of failures
  (`disabled_reason` says which); `failing_since` is the first failure since the last success.
- A `WebhookDelivery` is one payload for one hook: its `body` is fixed at emission, so every retry
  sends the same bytes (receivers dedupe by the payload's `id`).
- `WebhookAttempt` is the delivery log: one row per attempt, the newest 100 per hook are kept.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from accounts.models import User
from clubs.models import Club
from core.models import created_at_field, updated_at_field, uuid_primary_key
from webhooks.types import WebhookEventType


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (given up)"


class Webhook(models.Model):
    id = uuid_primary_key()
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    events = ArrayField(models.CharField(max_length=32, choices=WebhookEventType.choices), default=list)
    secret = models.CharField(max_length=128)
    active = models.BooleanField(default=True, db_default=True)
    disabled_reason = models.CharField(max_length=255, blank=True, default="")
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        db_table = "webhooks"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["club", "active"], name="idx_webhooks_club_active")]

    def __str__(self) -> str:
        return f"{self.url} ({'active' if self.active else 'off'})"


class WebhookDelivery(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(help_text="The payload's `id`: the same for every hook told of one change.")
    event_type = models.CharField(max_length=32, choices=WebhookEventType.choices)
    body = models.BinaryField()
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "webhook_deliveries"
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["webhook", "created_at"], name="idx_webhook_deliveries_hook")]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.webhook_id} ({self.state})"


class WebhookAttempt(models.Model):
    id = uuid_primary_key()
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="attempts")
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    event_type = models.CharField(max_length=32, choices=WebhookEventType.choices)
    attempt = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    delivered_at = models.DateTimeField(help_text="When this attempt was made.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "webhook_attempts"
        ordering = ["-delivered_at", "id"]
        indexes = [models.Index(fields=["webhook", "-delivered_at"], name="idx_webhook_attempts_hook")]
        constraints = [models.CheckConstraint(condition=Q(attempt__gte=1), name="webhook_attempts_attempt_positive")]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.attempt}: {self.status_code or self.error}"
