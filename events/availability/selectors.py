"""Reads of RSVPs. Callers have already checked that the event is visible
(`events.selectors.event_get_visible`)."""

from __future__ import annotations

import functools

from django.db import connection

from clubs.models import ClubMember
from core import sql
from events.availability.models import Availability, RsvpStatus
from events.models import Event


# Both reads are written in SQL (the list is one of the hottest reads; see core/sql.py).
# Only names from the models are interpolated (core.sql, hence the S608
# exemptions); every value is a query parameter.
@functools.cache
def _counts_sql() -> str:
    """Every count of the list page in one statement. `total` is the number of RSVPs (what the
    paginator would otherwise count separately); the CHECK constraints make it the sum of the four
    status counts, since a waitlisted row is always `available`."""
    a, m = Availability, ClubMember
    status, waitlisted = sql.column(a, "status"), sql.column(a, "waitlisted")
    return f"""
        SELECT
            count(*) FILTER (WHERE a.{status} = %(available)s AND NOT a.{waitlisted}),
            count(*) FILTER (WHERE a.{status} = %(available)s AND a.{waitlisted}),
            count(*) FILTER (WHERE a.{status} = %(maybe)s),
            count(*) FILTER (WHERE a.{status} = %(unavailable)s),
            count(*),
            (
                SELECT count(*) FROM {sql.table(m)} m
                WHERE m.{sql.column(m, "club")} = %(club)s AND m.{sql.column(m, "is_active")}
                  AND NOT EXISTS (
                      SELECT 1 FROM {sql.table(a)} r
                      WHERE r.{sql.column(a, "event")} = %(event)s AND r.{sql.column(a, "user")} = m.{sql.column(m, "user")}
                  )
            )
        FROM {sql.table(a)} a
        WHERE a.{sql.column(a, "event")} = %(event)s
    """  # noqa: S608


@functools.cache
def _rows_sql() -> str:
    """A slice of the event's RSVPs in the model's order, with their users' public fields."""
    a = Availability
    u = a._meta.get_field("user").related_model
    return f"""
        SELECT a.{sql.column(a, "user")}, u.{sql.column(u, "name")}, u.{sql.column(u, "avatar")},
               a.{sql.column(a, "status")}, a.{sql.column(a, "notes")}, a.{sql.column(a, "waitlisted")},
               a.{sql.column(a, "waitlist_position")}, a.{sql.column(a, "updated_at")}
        FROM {sql.table(a)} a
        JOIN {sql.table(u)} u ON u.{sql.column(u, "id")} = a.{sql.column(a, "user")}
        WHERE a.{sql.column(a, "event")} = %(event)s
        ORDER BY a.{sql.column(a, "created_at")}, a.{sql.column(a, "id")}
        LIMIT %(limit)s OFFSET %(offset)s
    """  # noqa: S608


class AvailabilityRows(sql.PagedSql):
    """RSVPs of an event, oldest first (the model's ordering), as tuples `(user_id, user_name,
    user_avatar, status, notes, waitlisted, waitlist_position, updated_at)`.

    What a paginator slices: each slice `[start:stop]` is one query for those rows, with no model
    instances and no ORM compilation (this list is one of the hottest reads). The number of rows
    comes from `availability_counts`."""

    def __init__(self, *, event: Event):
        self.params = {"event": event.pk}

    def page_sql(self) -> str:
        return _rows_sql()


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
        cursor.execute(_counts_sql(), params)
        available, waitlisted, maybe, unavailable, total, no_response = cursor.fetchone()
    summary = {
        "available": available,
        "waitlisted": waitlisted,
        "maybe": maybe,
        "unavailable": unavailable,
        "no_response": no_response,
    }
    return summary, total


def availability_of(*, event: Event, user) -> Availability | None:
    return Availability.objects.filter(event=event, user=user).select_related("user").first()
