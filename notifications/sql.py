"""The hand-written SQL of notifications (table and column names from the models; every value a
parameter). Written in SQL where the ORM cannot say it: an insert that reports whether it won a
unique key, and the reminders that fall due (an offset per element of an array column, times in
each club's zone)."""

from __future__ import annotations

import functools

from bookwork.queries import table
from clubs.models import Club
from events.models import Event, EventStatus
from notifications.models import EmailSend, ReminderSent


@functools.cache
def email_send_claim() -> str:
    """Record the send of one notification's email, or nothing if it is recorded already: a
    concurrent claim of the same notification waits here until the first one's transaction ends,
    then inserts (the first rolled back: the mail did not go) or returns no row (it committed)."""
    return f"""
        INSERT INTO {table(EmailSend)} (notification_id, recipient, message_id, sent_at)
        VALUES (%(notification)s, %(recipient)s, %(message_id)s, statement_timestamp())
        ON CONFLICT (notification_id) DO NOTHING
        RETURNING id
    """  # noqa: S608


@functools.cache
def reminders_due() -> str:
    """(event id, offset in hours) of every reminder due at %(now)s: scheduled events not yet
    started whose start minus the offset (in the club's zone, from its `reminder_hours`) lies in
    (now - %(late)s, now]. An offset whose moment passed longer ago than that is skipped."""
    return f"""
        SELECT e.id, h.hours
        FROM {table(Event)} e
        JOIN {table(Club)} c ON c.id = e.club_id
        CROSS JOIN LATERAL unnest(c.reminder_hours) AS h(hours)
        WHERE e.status = '{EventStatus.SCHEDULED.value}'
          AND e.event_date BETWEEN %(first_day)s AND %(last_day)s
          AND timezone(c.timezone, e.event_date + e.event_time) > %(now)s
          AND timezone(c.timezone, e.event_date + e.event_time) - make_interval(hours => h.hours) <= %(now)s
          AND timezone(c.timezone, e.event_date + e.event_time) - make_interval(hours => h.hours) > %(now)s - %(late)s
        ORDER BY e.id, h.hours DESC
    """  # noqa: S608


@functools.cache
def reminders_claim() -> str:
    """Record the reminder of %(event)s at %(hours)s for each of %(users)s not reminded yet; the
    users it was recorded for come back (the others were reminded before, by any run)."""
    return f"""
        INSERT INTO {table(ReminderSent)} (user_id, event_id, offset_hours, created_at)
        SELECT u, %(event)s, %(hours)s, statement_timestamp() FROM unnest(%(users)s::uuid[]) AS u
        ON CONFLICT (event_id, user_id, offset_hours) DO NOTHING
        RETURNING user_id
    """  # noqa: S608
