"""The hand-written SQL of notifications, composed with `psycopg.sql` like every SQL module
(docs/architecture.md, "SQL"): table and column names from the models, every value a parameter.
Written in SQL where the ORM cannot say it: an insert that reports whether it won a unique key,
and the reminders that fall due (an offset per element of an array column, times in each club's
zone)."""

from __future__ import annotations

import functools

from clubs.models import Club
from core.sql import SQL, column, owner_version, table, text
from events.models import Event
from notifications.models import EmailSend, Notification, ReminderSent


@functools.cache
def email_send_claim() -> str:
    """Record the send of one notification's email, or nothing if it is recorded already: a
    concurrent claim of the same notification waits here until the first one's transaction ends,
    then inserts (the first rolled back: the mail did not go) or returns no row (it committed)."""
    s = EmailSend
    return text(
        SQL(
            "INSERT INTO {table} ({notification}, {recipient}, {message_id}, {sent_at}) "
            "VALUES (%(notification)s, %(recipient)s, %(message_id)s, statement_timestamp()) "
            "ON CONFLICT ({notification}) DO NOTHING RETURNING {id}"
        ).format(
            table=table(s),
            notification=column(s, "notification"),
            recipient=column(s, "recipient"),
            message_id=column(s, "message_id"),
            sent_at=column(s, "sent_at"),
            id=column(s, "id"),
        )
    )


@functools.cache
def reminders_due() -> str:
    """(event id, offset in hours) of every reminder due at %(now)s: events with status
    %(scheduled)s not yet started whose start minus the offset (in the club's zone, from its
    `reminder_hours`) lies in (now - %(late)s, now]. An offset whose moment passed longer ago than
    that is skipped. The start is `core.time.event_starts_at` in SQL (`events.sql.UPCOMING` reads it
    the same way)."""
    start = SQL("timezone({zone}, {date} + {time})").format(
        zone=column(Club, "timezone", "c"), date=column(Event, "event_date", "e"), time=column(Event, "event_time", "e")
    )
    return text(
        SQL(
            "SELECT {event_id}, h.hours FROM {events} e "
            "JOIN {clubs} c ON {club_id} = {event_club} "
            "CROSS JOIN LATERAL unnest({reminder_hours}) AS h(hours) "
            "WHERE {status} = %(scheduled)s "
            "AND {date} BETWEEN %(first_day)s AND %(last_day)s "
            "AND {start} > %(now)s "
            "AND {start} - make_interval(hours => h.hours) <= %(now)s "
            "AND {start} - make_interval(hours => h.hours) > %(now)s - %(late)s "
            "ORDER BY {event_id}, h.hours DESC"
        ).format(
            event_id=column(Event, "id", "e"),
            events=table(Event),
            clubs=table(Club),
            club_id=column(Club, "id", "c"),
            event_club=column(Event, "club", "e"),
            reminder_hours=column(Club, "reminder_hours", "c"),
            status=column(Event, "status", "e"),
            date=column(Event, "event_date", "e"),
            start=start,
        )
    )


@functools.cache
def reminders_claim() -> str:
    """Record the reminder of %(event)s at %(hours)s for each of %(users)s not reminded yet; the
    users it was recorded for come back (the others were reminded before, by any run)."""
    r = ReminderSent
    return text(
        SQL(
            "INSERT INTO {table} ({user}, {event}, {offset}, {created_at}) "
            "SELECT u, %(event)s, %(hours)s, statement_timestamp() FROM unnest(%(users)s::uuid[]) AS u "
            "ON CONFLICT ({event}, {user}, {offset}) DO NOTHING RETURNING {user}"
        ).format(
            table=table(r),
            user=column(r, "user"),
            event=column(r, "event"),
            offset=column(r, "offset_hours"),
            created_at=column(r, "created_at"),
        )
    )


@functools.cache
def notifications_version() -> str:
    """The epoch and the stamp of the `user.notifications` scope of the user `%(owner)s`, then the
    number of their unread notifications (index idx_notifications_unread): the list's version and
    its `unread_count` in one statement, read before the rows."""
    n = Notification
    unread = SQL("(SELECT count(*) FROM {table} WHERE {user} = %(owner)s AND {read_at} IS NULL)").format(
        table=table(n), user=column(n, "user"), read_at=column(n, "read_at")
    )
    return owner_version(("user.notifications",), unread)


@functools.cache
def settings_version() -> str:
    """The epoch and the stamp of the `user.settings` scope of the user `%(owner)s`."""
    return owner_version(("user.settings",))
