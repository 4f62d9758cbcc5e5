"""Reads of RSVPs. Callers have already checked that the event is visible
(`events.selectors.event_get_visible`)."""

from __future__ import annotations

from django.db import connection

from events.availability.models import Availability, RsvpStatus
from events.models import Event

# Every count of the list page in one statement. `total` is the number of RSVPs (what the
# paginator would otherwise count separately); the CHECK constraints make it the sum of the four
# status counts, since a waitlisted row is always `available`.
_COUNTS_SQL = """
SELECT
    count(*) FILTER (WHERE a.status = %(available)s AND NOT a.waitlisted),
    count(*) FILTER (WHERE a.status = %(available)s AND a.waitlisted),
    count(*) FILTER (WHERE a.status = %(maybe)s),
    count(*) FILTER (WHERE a.status = %(unavailable)s),
    count(*),
    (
        SELECT count(*) FROM club_members m
        WHERE m.club_id = %(club)s AND m.is_active
          AND NOT EXISTS (SELECT 1 FROM availability r WHERE r.event_id = %(event)s AND r.user_id = m.user_id)
    )
FROM availability a
WHERE a.event_id = %(event)s
"""

_ROWS_SQL = """
SELECT a.user_id, u.name, u.avatar, a.status, a.notes, a.waitlisted, a.waitlist_position, a.updated_at
FROM availability a
JOIN users u ON u.id = a.user_id
WHERE a.event_id = %s
ORDER BY a.created_at, a.id
LIMIT %s OFFSET %s
"""


class AvailabilityRows:
    """RSVPs of an event, oldest first (the model's ordering), as tuples `(user_id, user_name,
    user_avatar, status, notes, waitlisted, waitlist_position, updated_at)`.

    What a paginator slices: each slice `[start:stop]` is one query for those rows, with no model
    instances and no ORM compilation (this list is one of the hottest reads). The number of rows
    comes from `availability_counts`."""

    def __init__(self, *, event: Event):
        self.event_id = event.pk

    def __getitem__(self, index: slice) -> list[tuple]:
        if not isinstance(index, slice) or index.step is not None or index.start is None or index.stop is None:
            raise TypeError("AvailabilityRows only takes [start:stop] slices")
        with connection.cursor() as cursor:
            cursor.execute(_ROWS_SQL, [self.event_id, max(index.stop - index.start, 0), index.start])
            return cursor.fetchall()


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
        cursor.execute(_COUNTS_SQL, params)
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
