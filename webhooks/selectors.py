"""Reads of webhooks. The club comes from `clubs.selectors.club_get_visible_with_access` (404 for
a club the caller may not see); a hook of another club is a 404 like an unknown id."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from clubs.models import Club
from clubs.selectors import parse_uuid
from webhooks.models import Webhook, WebhookAttempt


def webhook_list(*, club: Club) -> QuerySet[Webhook]:
    return Webhook.objects.filter(club=club).order_by("created_at", "id")


def webhook_get(*, club: Club, webhook_id) -> Webhook:
    hook = Webhook.objects.filter(club=club, pk=parse_uuid(webhook_id)).first()
    if hook is None:
        raise Http404
    return hook


def webhook_attempts(*, hook: Webhook) -> QuerySet[WebhookAttempt]:
    """The delivery log of the hook, newest first (at most the last 100 attempts are kept)."""
    return WebhookAttempt.objects.filter(webhook=hook).order_by("-delivered_at", "-id")
