"""Telling a club's webhooks what happened: one delivery per subscribed active hook, created and
its job deferred in the caller's transaction (a change that rolls back sends nothing).

`webhook_emit` is the one way in; the functions below build the payload `data` of each type
(ids and the changed fields only: never an email address or a phone number). The event and RSVP
services call them directly (they sit above this app); the clubs app announces membership changes
through its hooks (`clubs.services.membership_started` / `membership_ended`), connected in
`webhooks.apps`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app as jobs_app

from core.context import job_origin
from events.models import Event
from webhooks import sql
from webhooks.models import Webhook, WebhookDelivery
from webhooks.types import WebhookEventType

DELIVER_TASK = "webhooks.deliver"
QUEUE = "webhooks"
# What an event payload may carry: its own fields, none of them personal data.
EVENT_FIELDS = (
    "title", "description", "event_date", "event_time", "duration_minutes", "location", "book", "type",
    "is_public", "max_attendees", "status",
)  # fmt: skip


def payload_body(*, event_id: uuid.UUID, type: str, club_id, data: Mapping[str, Any], created_at) -> bytes:
    """The JSON body `{id, type, created_at, club, data}`, fixed once for every attempt."""
    payload = {
        "id": str(event_id),
        "type": type,
        "created_at": created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "club": str(club_id),
        "data": data,
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False).encode()


def deliveries_create(*, hooks, type: str, club_id, data: Mapping[str, Any]) -> list[WebhookDelivery]:
    """A delivery of one payload (one `id`) to each of `hooks`, with its job deferred now."""
    if not hooks:
        return []
    now, event_id = timezone.now(), uuid.uuid4()
    body = payload_body(event_id=event_id, type=type, club_id=club_id, data=data, created_at=now)
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                webhook=hook, event_id=event_id, event_type=type, body=body, created_at=now, next_attempt_at=now
            )
            for hook in hooks
        ]
    )
    origin = job_origin()
    jobs_app.configure_task(DELIVER_TASK, queue=QUEUE).batch_defer(
        *({"delivery_id": str(delivery.pk), "origin": origin} for delivery in deliveries)
    )
    return deliveries


def webhook_emit(*, club_id, type: str, data: Mapping[str, Any], hook_ids: list | None = None) -> int:
    """Tell every active hook of the club subscribed to `type` (a `WebhookEventType` value) that it
    happened, with `data` (ids and changed fields only). Call it inside the transaction of the
    change; returns the number of deliveries created. One query when the club has no such hook,
    none when the caller read `hook_ids` already (`sql.subscribed_hooks_of`, in this transaction)."""
    WebhookEventType(type)  # ValueError for a type nobody can subscribe to
    if hook_ids is None:
        with connection.cursor() as cursor:
            cursor.execute(sql.subscribed_hooks(), {"club": club_id, "type": str(type)})
            (hook_ids,) = cursor.fetchone()
    hooks = [Webhook(pk=hook_id) for hook_id in hook_ids]
    return len(deliveries_create(hooks=hooks, type=type, club_id=club_id, data=data))


def _event_fields(event: Event, names) -> dict[str, Any]:
    return {name: getattr(event, name) for name in names}


def event_created(*, event: Event) -> None:
    data = {"event_id": str(event.pk), "sequence": event.sequence, "fields": _event_fields(event, EVENT_FIELDS)}
    webhook_emit(club_id=event.club_id, type=WebhookEventType.EVENT_CREATED, data=data)


def event_updated(*, event: Event, changed: Mapping[str, Any]) -> None:
    """`changed`: the names of the fields the edit changed (their new values are on `event`)."""
    names = [name for name in EVENT_FIELDS if name in changed]
    if names:
        data = {"event_id": str(event.pk), "sequence": event.sequence, "changed": _event_fields(event, names)}
        webhook_emit(club_id=event.club_id, type=WebhookEventType.EVENT_UPDATED, data=data)


def event_cancelled(*, event: Event, deleted: bool = False) -> None:
    """The event was cancelled, or (`deleted`) a scheduled event was deleted."""
    data = {"event_id": str(event.pk), "sequence": event.sequence, "reason": event.cancel_reason, "deleted": deleted}
    webhook_emit(club_id=event.club_id, type=WebhookEventType.EVENT_CANCELLED, data=data)


def rsvp_changed(
    *, event: Event, user_id, status: str | None, waitlisted: bool = False, hook_ids: list | None = None
) -> None:
    """An RSVP was given or changed (`status`), or withdrawn (`status` None). `hook_ids`: the
    club's hooks of this type, when the caller read them with the event's lock."""
    data = {"event_id": str(event.pk), "user_id": str(user_id), "status": status, "waitlisted": bool(waitlisted)}
    webhook_emit(club_id=event.club_id, type=WebhookEventType.RSVP_CHANGED, data=data, hook_ids=hook_ids)


def member_joined(*, user, club) -> None:
    """`clubs.services.membership_started`: `user` (an id) became an active member of `club`."""
    webhook_emit(club_id=club.pk, type=WebhookEventType.MEMBER_JOINED, data={"user_id": str(user)})


def member_left(*, user, club) -> None:
    """`clubs.services.membership_ended`: `user` (an id) is no longer an active member of `club`."""
    webhook_emit(club_id=club.pk, type=WebhookEventType.MEMBER_LEFT, data={"user_id": str(user)})
