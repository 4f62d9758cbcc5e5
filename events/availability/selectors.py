"""Reads of RSVPs. Callers have already checked that the event is visible
(`events.selectors.event_get_visible`)."""

from __future__ import annotations

from django.db import connection

from core.sql import PagedSql, hydrate
from events.availability import sql
from events.availability.models import Availability, RsvpStatus
from events.availability.shapes import RSVP
from events.models import Event


class AvailabilityRows(PagedSql):
    """RSVPs of an event, oldest first (the model's ordering), as `RSVP.Row`s
    (events/availability/shapes.py: the RSVP's values and its user's id, name and avatar).

    What a paginator slices: each slice `[start:stop]` is one query for those rows, with no model
    instances and no ORM compilation (this list is one of the hottest reads). The number of rows
    comes from `availability_counts`."""

    def __init__(self, *, event: Event):
        self.params = {"event": event.pk}

    def page_sql(self) -> str:
        return sql.rows()

    row = staticmethod(RSVP.row_parser())


def availability_counts(*, event: Event) -> tuple[dict[str, int], int]:
    """The event's summary counts and its number of RSVPs, in one query.

    `available` counts seated RSVPs only; `waitlisted` the waiting ones; `no_response` the active
    members of the club without any RSVP."""
    params = {
        "available": RsvpStatus.AVAILABLE.value,
        "maybe": RsvpStatus.MAYBE.value,
        "unavailable": RsvpStatus.UNAVAILABLE.value,
        "club": event.club_id,
        "event": event.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql.counts(), params)
        available, waitlisted, maybe, unavailable, total, no_response = cursor.fetchone()
    summary = {
        "available": available,
        "waitlisted": waitlisted,
        "maybe": maybe,
        "unavailable": unavailable,
        "no_response": no_response,
    }
    return summary, total


def availability_counts_and_rows(*, event: Event, limit: int) -> tuple[dict[str, int], int, list]:
    """`availability_counts(event=...)` and `AvailabilityRows(event=...)[0:limit]`, in one query
    (the web app's meeting page shows both)."""
    params = {
        "available": RsvpStatus.AVAILABLE.value,
        "maybe": RsvpStatus.MAYBE.value,
        "unavailable": RsvpStatus.UNAVAILABLE.value,
        "club": event.club_id,
        "event": event.pk,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql.counts_and_rows(), params)
        fetched = cursor.fetchall()
    available, waitlisted, maybe, unavailable, total, no_response = fetched[0][:6]
    summary = {
        "available": available,
        "waitlisted": waitlisted,
        "maybe": maybe,
        "unavailable": unavailable,
        "no_response": no_response,
    }
    # Without RSVPs the one row's RSVP columns are NULL (`status` never is in a real row).
    rows = [AvailabilityRows.row(values[6:-1]) for values in fetched if values[6] is not None]
    return summary, total, rows


def active_member_user(*, event: Event, user_id):
    """The user `user_id` if they are an active member of the event's club (`clubs.sql`), else None."""
    with connection.cursor() as cursor:
        cursor.execute(sql.active_member_with_user(), {"club": event.club_id, "user": user_id})
        row = cursor.fetchone()
    return None if row is None else hydrate(sql.USER, row)[0]


def availability_of(*, event: Event, user) -> Availability | None:
    return Availability.objects.filter(event=event, user=user).select_related("user").first()
