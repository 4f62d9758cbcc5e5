"""The types of webhook deliveries, one source of truth for the API, the database CHECK and the
docs. `ping` is sent on request only (POST .../ping/) and needs no subscription."""

from __future__ import annotations

from django.db import models


class WebhookEventType(models.TextChoices):
    EVENT_CREATED = "event.created", "An event was created"
    EVENT_UPDATED = "event.updated", "An event was edited"
    EVENT_CANCELLED = "event.cancelled", "An event was cancelled"
    RSVP_CHANGED = "rsvp.changed", "An RSVP was given, changed or withdrawn"
    MEMBER_JOINED = "member.joined", "A member joined or was added"
    MEMBER_LEFT = "member.left", "A member left or was removed"
    BOOK_STARTED = "book.started", "The club started a book"
    POLL_CLOSED = "poll.closed", "A poll closed"
    PING = "ping", "A test delivery"


SUBSCRIBABLE = tuple(value for value in WebhookEventType.values if value != WebhookEventType.PING)
