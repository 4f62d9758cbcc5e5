"""Writes of notifications: creating them (with their email jobs) in the caller's transaction,
marking them read, and users' email choices.

Every other app tells people things through the `notify_*` functions below, one explicit call
from its service, inside the transaction of the change: a change that rolls back leaves no
notification and no email job behind (procrastinate's Django connector defers jobs on Django's
own connection, hence in the same transaction), and one that commits has both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django import app as jobs_app

from accounts.models import User
from clubs.models import Club, ClubMember
from core.context import job_origin
from core.time import club_zone, event_starts_at, is_upcoming
from events.availability.models import Availability, RsvpStatus
from events.models import Event, EventStatus
from notifications import kinds
from notifications.kinds import Kind
from notifications.models import EmailPreference, Notification

# Deferred by name, so that this module need not import the task module (which imports the
# reminder job, which emits through this module).
EMAIL_TASK = "notifications.send_email"
EMAIL_QUEUE = "emails"

# Fields whose change is worth telling people about (`event_changed`).
NOTIFIED_FIELDS = ("event_date", "event_time", "location", "book")
_WHAT = {"discussion": "discussion", "meeting": "meeting", "social": "social", "planning": "planning meeting"}


# --- the one way in ----------------------------------------------------------------------------
def notifications_create(
    *,
    kind: Kind,
    user_ids: Iterable,
    context: Mapping[str, Any],
    club: Club | None = None,
    event: Event | None = None,
    data: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """Create one notification of `kind` for each ACTIVE user of `user_ids` (duplicates dropped),
    its title and body rendered once from `context`, and defer an email job for each of them
    whose settings want `kind` by email (when email is enabled). Runs in the caller's transaction
    (three statements however many users: the users with their choice, the insert, the jobs)."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return []
    choice = EmailPreference.objects.filter(user=OuterRef("pk"), kind=kind.name).values("email")[:1]
    users = list(
        User.objects.filter(pk__in=ids, is_active=True)
        .annotate(email_choice=Subquery(choice))
        .values_list("pk", "email_choice")
        .order_by("pk")
    )
    if not users:
        return []
    title, body = kind.render(context)
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                kind=kind.name,
                title=title,
                body=body,
                club=club,
                event=event,
                data=dict(data or {}),
            )
            for user_id, _ in users
        ]
    )
    if settings.EMAIL_ENABLED:
        wanted = {
            user_id for user_id, email_choice in users if (kind.email_default if email_choice is None else email_choice)
        }
        # `origin`: the deferring request's id, user and trace context (core.context.job_origin),
        # so the job's history rows and span lead back to it.
        origin = job_origin()
        jobs = [{"notification_id": str(n.pk), "origin": origin} for n in notifications if n.user_id in wanted]
        if jobs:
            jobs_app.configure_task(EMAIL_TASK, queue=EMAIL_QUEUE).batch_defer(*jobs)
    return notifications


# --- event texts --------------------------------------------------------------------------------
def _day(start: dt.datetime) -> str:
    return f"{start:%a} {start.day} {start:%b}"


def _day_time(start: dt.datetime) -> str:
    return f"{_day(start)} at {start:%H:%M}"


def event_url(event_id) -> str:
    """The event's address for people: PUBLIC_URL plus its page in the member web app."""
    return settings.PUBLIC_URL + reverse("web:meeting", kwargs={"event_id": str(event_id)})


def _event_context(event: Event) -> tuple[dict, dict]:
    """The names the event kinds' templates use, and the `data` an email of it shows."""
    start = event_starts_at(event)
    what = _WHAT.get(event.type, "event")
    context = {
        "club": event.club.name,
        "event": event.title,
        "what": what,
        "The_what": f"The {what}",
        "when": _day_time(start),
        "location": event.location,
    }
    data = {
        "event_title": event.title,
        "club_name": event.club.name,
        "starts_at": start.isoformat(),
        "starts_at_text": f"{start:%A} {start.day} {start:%B %Y, %H:%M} ({event.club.timezone})",
        "location": event.location,
        "url": event_url(event.pk),
    }
    return context, data


def _answered_user_ids(event: Event) -> list:
    """Who answered `available` (seated or waitlisted) or `maybe`: those told of changes and cancellations."""
    return list(
        Availability.objects.filter(event=event, status__in=[RsvpStatus.AVAILABLE, RsvpStatus.MAYBE])
        .order_by("created_at", "id")
        .values_list("user_id", flat=True)
    )


# --- what other apps call -----------------------------------------------------------------------
def notify_event_created(*, event: Event) -> list[Notification]:
    """`event_created` to the active members of the event's club, except its author (none for an
    event staff put in the past)."""
    if not is_upcoming(event):
        return []
    members = (
        ClubMember.objects.filter(club_id=event.club_id, is_active=True)
        .exclude(user_id=event.created_by_id)
        .values_list("user_id", flat=True)
    )
    context, data = _event_context(event)
    return notifications_create(
        kind=kinds.EVENT_CREATED, user_ids=members, context=context, club=event.club, event=event, data=data
    )


def notify_event_changed(*, event: Event, changed: Mapping[str, Any]) -> list[Notification]:
    """`event_changed` to those who answered `available` or `maybe`, when `changed` (field name ->
    value BEFORE the change; `event` holds the new ones) names the date, time, location or book of
    a scheduled event that has not started (before or after the change)."""
    fields = [name for name in NOTIFIED_FIELDS if name in changed]
    if not fields or event.status != EventStatus.SCHEDULED:
        return []
    before = Event(
        club=event.club, **{name: changed.get(name, getattr(event, name)) for name in ("event_date", "event_time")}
    )
    now = timezone.now()
    if event_starts_at(before) <= now and event_starts_at(event) <= now:
        return []
    context, data = _event_context(event)
    phrases = []
    if "event_date" in fields or "event_time" in fields:
        moved = f"moved to {context['when']}"
        phrases.append(f"{moved} at {event.location}" if "location" in fields else moved)
    elif "location" in fields:
        phrases.append(f"moved to {event.location}")
    if "book" in fields:
        phrases.append(f"will now discuss {event.book}" if event.book else "no longer has a set book")
    context.update(
        was_when=_day(event_starts_at(before).astimezone(club_zone(event.club))), changes=" and ".join(phrases)
    )
    return notifications_create(
        kind=kinds.EVENT_CHANGED,
        user_ids=_answered_user_ids(event),
        context=context,
        club=event.club,
        event=event,
        data=data,
    )


def notify_event_cancelled(*, event: Event, reason: str | None = None) -> list[Notification]:
    """`event_cancelled` to those who answered `available` or `maybe`, for an event that has not
    started (a cancellation, or the deletion of an upcoming event, which is told the same way)."""
    if not is_upcoming(event):
        return []
    context, data = _event_context(event)
    context["reason"] = f": {reason}" if reason else ""
    return notifications_create(
        kind=kinds.EVENT_CANCELLED,
        user_ids=_answered_user_ids(event),
        context=context,
        club=event.club,
        event=event,
        data=data,
    )


def notify_waitlist_promoted(*, event: Event, user_ids: Iterable) -> list[Notification]:
    """`waitlist_promoted` to each user just given a seat of `event` (no query when there is none),
    unless the event has started (a seat in the past is history, not news)."""
    user_ids = list(user_ids)
    if not user_ids or not is_upcoming(event):
        return []
    context, data = _event_context(event)
    return notifications_create(
        kind=kinds.WAITLIST_PROMOTED, user_ids=user_ids, context=context, club=event.club, event=event, data=data
    )


def notify_event_reminder(*, event: Event, user_ids: Iterable, offset_hours: int) -> list[Notification]:
    """`event_reminder` to `user_ids`, `offset_hours` before the start (the reminder job decides who)."""
    context, data = _event_context(event)
    hours = offset_hours
    context["in_hours"] = f"in {hours // 24} days" if hours % 24 == 0 and hours >= 48 else f"in {hours} hours"
    if hours == 24:
        context["in_hours"] = "tomorrow"
    return notifications_create(
        kind=kinds.EVENT_REMINDER, user_ids=user_ids, context=context, club=event.club, event=event, data=data
    )


# --- the user's own -----------------------------------------------------------------------------
@transaction.atomic
def notification_mark_read(*, user, notification_id) -> bool:
    """Mark the user's notification read (its first `read_at` stays). False if it is not theirs."""
    mine = Notification.objects.filter(pk=notification_id, user=user)
    if not mine.exists():
        return False
    mine.filter(read_at=None).update(read_at=timezone.now())
    return True


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())


@transaction.atomic
def email_unsubscribe(*, user_id, kind: str) -> bool:
    """Turn `kind` emails off for the user a valid unsubscribe token names; False if that user no
    longer exists (the link then answers like a bad one)."""
    if not User.objects.filter(pk=user_id).exists():
        return False
    email_preferences_update(user_id=user_id, email={kind: False})
    return True


@transaction.atomic
def email_preferences_update(*, user_id, email: Mapping[str, bool]) -> None:
    """Store the user's email choice for each kind in `email` (known kinds, validated by the caller)."""
    rows = [EmailPreference(user_id=user_id, kind=kinds.get(name).name, email=wanted) for name, wanted in email.items()]
    # An upsert on UNIQUE (user, kind): concurrent updates never collide into an IntegrityError.
    EmailPreference.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["email", "updated_at"]
    )
