"""Writes of webhooks: create (the secret is returned once), edit, delete, ping, and the one way
other code tells hooks what happened (`webhook_emit`, re-exported from `webhooks.emit`).

Only club admins and site admins manage a club's hooks (`ClubAccess.can_manage_webhooks`; the
views ask `webhook_manage_check` before they read a body). A URL is checked against the address
rules of `webhooks.addresses` when it is saved (400 on `url`) and again at every delivery.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from rest_framework.exceptions import PermissionDenied, ValidationError

from clubs.models import Club
from clubs.permissions import ClubAccess
from webhooks.addresses import AddressRefused, resolve
from webhooks.emit import deliveries_create, webhook_emit
from webhooks.models import Webhook
from webhooks.types import WebhookEventType

__all__ = ["webhook_create", "webhook_delete", "webhook_emit", "webhook_manage_check", "webhook_ping", "webhook_update"]


def webhook_manage_check(*, access: ClubAccess) -> None:
    """403 unless the caller may manage the club's webhooks (club admins, site admins)."""
    if not access.can_manage_webhooks():
        raise PermissionDenied("Only club admins may manage the club's webhooks.")


def _url_check(url: str) -> None:
    try:
        resolve(url)
    except AddressRefused as refused:
        raise ValidationError({"url": [str(refused)]}, code="invalid") from None


@transaction.atomic
def webhook_create(*, club: Club, actor, url: str, events: list[str], active: bool = True) -> Webhook:
    """A new hook of `club` with a fresh secret (256 random bits), on the instance only: the
    caller shows it once. 400 on `url` for an address the rules refuse."""
    _url_check(url)
    return Webhook.objects.create(
        club=club,
        url=url,
        events=sorted(set(events)),
        active=active,
        secret="whsec_" + secrets.token_hex(32),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def webhook_update(*, hook: Webhook, data: dict[str, Any]) -> Webhook:
    """Apply `url`, `events`, `active` (the keys present). Turning a hook on again clears why it
    was turned off and its failure clock."""
    hook = Webhook.objects.select_for_update().get(pk=hook.pk)
    fields = []
    if "url" in data and data["url"] != hook.url:
        _url_check(data["url"])
        hook.url = data["url"]
        fields.append("url")
    if "events" in data:
        hook.events = sorted(set(data["events"]))
        fields.append("events")
    if "active" in data and data["active"] != hook.active:
        hook.active = data["active"]
        if hook.active:
            hook.disabled_reason, hook.failing_since = "", None
            fields += ["disabled_reason", "failing_since"]
        fields.append("active")
    if fields:
        hook.save(update_fields=[*fields, "updated_at"])
    return hook


@transaction.atomic
def webhook_delete(*, hook: Webhook) -> None:
    """Delete the hook with its deliveries and log (pending jobs then find nothing to do)."""
    Webhook.objects.filter(pk=hook.pk).delete()


@transaction.atomic
def webhook_ping(*, hook: Webhook) -> None:
    """Send a `ping` delivery to the hook (whatever it subscribed to; not when it is turned off)."""
    if not hook.active:
        raise ValidationError({"active": ["The webhook is turned off; turn it on to ping it."]})
    deliveries_create(hooks=[hook], type=WebhookEventType.PING, club_id=hook.club_id, data={"webhook_id": str(hook.pk)})
