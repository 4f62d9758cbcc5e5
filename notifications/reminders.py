"""Event reminders: `reminders_send` notifies, for every reminder due now, the people who hold a
seat or answered `maybe` at that moment (not the waitlisted, not `unavailable`).

Idempotent and safe to run anywhere at once (`manage.py send_reminders`, the worker every few
minutes): each (user, event, offset) is claimed by an INSERT into `ReminderSent` under its UNIQUE
constraint before anyone is notified, in the same transaction, so a reminder is never sent twice
and a run that fails sends nothing it has claimed. Cancelled and started events get none; an
offset whose moment passed more than `LATE` ago is skipped rather than sent late.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from events.availability.models import Availability, RsvpStatus
from events.models import Event, EventStatus
from events.selectors import event_starts_at
from notifications import services
from notifications import sql as notification_sql

LATE = dt.timedelta(hours=1)
# `reminder_hours` is at most 720 hours (30 days); zones are within a day of UTC.
_HORIZON_DAYS = 32

log = logging.getLogger(__name__)


def reminders_due(*, now: dt.datetime) -> list[tuple]:
    """(event id, offset hours) of the reminders due at `now`."""
    params = {
        "now": now,
        "late": LATE,
        "first_day": now.date() - dt.timedelta(days=1),
        "last_day": now.date() + dt.timedelta(days=_HORIZON_DAYS),
    }
    with connection.cursor() as cursor:
        cursor.execute(notification_sql.reminders_due(), params)
        return cursor.fetchall()


def _recipients(event_id) -> list:
    return list(
        Availability.objects.filter(event_id=event_id)
        .filter(Q(status=RsvpStatus.AVAILABLE, waitlisted=False) | Q(status=RsvpStatus.MAYBE))
        .order_by("created_at", "id")
        .values_list("user_id", flat=True)
    )


@transaction.atomic
def _reminder_send(*, event_id, hours: int, now: dt.datetime) -> int:
    event = Event.objects.select_related("club").filter(pk=event_id).first()
    if event is None or event.status != EventStatus.SCHEDULED or event_starts_at(event) <= now:
        return 0  # deleted, cancelled or started since it was found due
    users = _recipients(event_id)
    if not users:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(notification_sql.reminders_claim(), {"event": event_id, "hours": hours, "users": users})
        claimed = [row[0] for row in cursor.fetchall()]
    return len(services.notify_event_reminder(event=event, user_ids=claimed, offset_hours=hours))


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send every reminder due at `now` (default: the present); returns how many notifications
    were made. One transaction per event and offset, so one failure does not hold back the rest."""
    now = now or timezone.now()
    sent = 0
    for event_id, hours in reminders_due(now=now):
        sent += _reminder_send(event_id=event_id, hours=hours, now=now)
    if sent:
        log.info("reminders sent", extra={"count": sent})
    return sent
