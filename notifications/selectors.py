"""Reads of notifications: only ever the caller's own (a notification of someone else is
indistinguishable from one that does not exist)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.sql import version_of
from notifications import kinds, sql
from notifications.models import EmailPreference, Notification


def notifications_version(*, user) -> tuple[tuple, int]:
    """(What the user's notification lists (and unread count) are a function of: the epoch and
    the stamp of their `user.notifications` scope, the number of their unread notifications),
    read before the rows, in one statement."""
    *version, unread = version_of(sql.notifications_version(), {"owner": user.pk})
    return tuple(version), unread


def email_preferences_version(*, user_id) -> tuple:
    """What `email_preferences_of(user_id=...)` is a function of: the `user.settings` scope and
    the kinds' defaults (code: a deploy may change them)."""
    defaults = tuple((name, kind.email_default) for name, kind in kinds.KINDS.items())
    return (*version_of(sql.settings_version(), {"owner": user_id}), defaults)


def notifications_of(*, user, unread: bool | None = None, kind: str | None = None) -> QuerySet[Notification]:
    """The user's notifications, newest first (id breaks ties); `unread=True`: unread only,
    `unread=False`: read only; `kind`: that kind only."""
    rows = Notification.objects.filter(user=user)
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-id")


def email_preferences_of(*, user_id) -> dict[str, bool]:
    """Whether each kind goes by email to the user: their choice, else the kind's default."""
    chosen = dict(EmailPreference.objects.filter(user_id=user_id).values_list("kind", "email"))
    return {name: chosen.get(name, kind.email_default) for name, kind in kinds.KINDS.items()}


def email_wanted(*, user_id, kind: str) -> bool:
    choice = EmailPreference.objects.filter(user_id=user_id, kind=kind).values_list("email", flat=True).first()
    return kinds.get(kind).email_default if choice is None else choice
