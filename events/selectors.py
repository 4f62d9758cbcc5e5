"""Reads of events, always scoped to what the caller may see.

An event is visible to a site admin, to active members of its club, and, when both the club and
the event are public, to any signed-in user. An event the caller may not see is indistinguishable
from one that does not exist: `event_get_visible` raises `Http404` for both, and for a malformed id.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
import zoneinfo
from collections import namedtuple

from django.db import connection
from django.http import Http404
from django.utils import timezone

from bookwork.queries import PagedSql, columns, hydrate, order_by, table
from clubs.models import Club, ClubMember
from clubs.permissions import ClubAccess, is_site_admin
from clubs.selectors import club_access, parse_uuid
from events.availability.models import Availability, RsvpStatus
from events.models import Event


def club_zone(club: Club) -> zoneinfo.ZoneInfo | dt.timezone:
    """The club's time zone; an unknown name (never accepted by the API) falls back to UTC."""
    try:
        return zoneinfo.ZoneInfo(club.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def event_starts_at(event: Event) -> dt.datetime:
    """The aware start of `event`: its date and time read in the club's time zone."""
    return dt.datetime.combine(event.event_date, event.event_time, tzinfo=club_zone(event.club))


# Hot read paths (every event representation) are written in SQL: the ORM spent about 1.5 ms of
# CPU compiling the equivalent subqueries for each request, the database about 0.1 ms running
# them (bookwork/queries.py). Only model metadata is interpolated into the SQL (hence the S608
# exemptions); every value is a query parameter.
@functools.cache
def _event_get_sql(with_rsvp_state: bool) -> str:
    """One event by id with its club and the caller's active club role (UNIQUE (club, user): at
    most one row); with the RSVP state, also its waitlist length and the caller's RSVP."""
    rsvp_columns = ""
    rsvp_join = ""
    if with_rsvp_state:
        rsvp_columns = f"""
               , (SELECT count(*) FROM {table(Availability)} w
                   WHERE w.event_id = e.id AND w.status = %(available)s AND w.waitlisted)
               , a.id IS NOT NULL, {columns(Availability, "a")}"""  # noqa: S608
        rsvp_join = f"LEFT JOIN {table(Availability)} a ON a.event_id = e.id AND a.user_id = %(user)s"
    return f"""
        SELECT {columns(Event, "e")}, {columns(Club, "c")},
               (SELECT m.role FROM {table(ClubMember)} m
                 WHERE m.club_id = e.club_id AND m.user_id = %(user)s AND m.is_active){rsvp_columns}
        FROM {table(Event)} e
        JOIN {table(Club)} c ON c.id = e.club_id
        {rsvp_join}
        WHERE e.id = %(event)s
    """  # noqa: S608


def _set_rsvp_state(event: Event, row: tuple, start: int, user) -> None:
    """`waitlist_count` and `my_rsvp` (the caller's RSVP in a list, or []) from `row` at `start`."""
    event.waitlist_count = row[start]
    if row[start + 1]:
        rsvp, _ = hydrate(Availability, row, start + 2)
        rsvp.user = user
        event.my_rsvp = [rsvp]
    else:
        event.my_rsvp = []


# The two event lists are hot reads written in SQL, like the club list (clubs.selectors.ClubRows):
# the ORM spent about 2 ms of CPU per page compiling the visibility, upcoming and count queries,
# hydrating models (a UUID object for every seated user of `attendees`) and attaching the RSVP
# state with a second query. `EventRows` reads a page with its RSVP state in one query; the ORM
# formulation of the same rules lives on in tests/events/reference.py, and
# tests/events/test_event_rows.py holds the two equal.
_EVENTS = table(Event)
_CLUBS = table(Club)
_AVAILABILITY = table(Availability)
_ACTIVE_MEMBERSHIP = (
    f"SELECT 1 FROM {table(ClubMember)} m"  # noqa: S608
    " WHERE m.club_id = e.club_id AND m.user_id = %(user)s AND m.is_active"
)
# What `EventFilterSerializer.ordering` (and the default order with its id tie-break) may name.
_EVENT_ORDER_BY = {
    "event_date": 'e."event_date"',
    "event_time": 'e."event_time"',
    "created_at": 'e."created_at"',
    "title": 'e."title"',
    "id": "e.id",
}
EVENT_DEFAULT_ORDERING = ("event_date", "event_time", "id")
# Ids as text and `attendees` as text[]: the representation wants strings, and psycopg would
# otherwise build a UUID object for each (a page of 20 events holds hundreds of attendee ids).
# Timestamps as text too, parsed by `_event_row`: Django's loader of timestamptz is Python code.
# The caller's RSVP comes from the LEFT JOIN (UNIQUE (event, user): at most one row); its
# `status` is NOT NULL, so a NULL `rsvp_status` means "no RSVP".
_EVENT_ROW_COLUMNS = f"""e.id::text, e.club_id::text, e."title", e."description", e."event_date", e."event_time",
    e."duration_minutes", e."location", e."book", e."type", e."max_attendees", e."is_public",
    e."status", e."cancel_reason", e."created_by_id"::text, e."attendees"::text[], e."created_at"::text, e."updated_at"::text,
    (SELECT count(*) FROM {_AVAILABILITY} w
      WHERE w.event_id = e.id AND w.status = %(available)s AND w.waitlisted),
    a."status", a."notes", a."waitlisted", a."waitlist_position",
    a."updated_at"::text
"""  # noqa: S608

# An event as the lists render it: what `EventSerializer` reads of an `Event` with its RSVP state
# attached, ids as strings, the caller's RSVP flattened into `rsvp_*` (all None without one).
EventRow = namedtuple(
    "EventRow",
    [
        "id",
        "club_id",
        "title",
        "description",
        "event_date",
        "event_time",
        "duration_minutes",
        "location",
        "book",
        "type",
        "max_attendees",
        "is_public",
        "status",
        "cancel_reason",
        "created_by_id",
        "attendees",
        "created_at",
        "updated_at",
        "waitlist_count",
        "rsvp_status",
        "rsvp_notes",
        "rsvp_waitlisted",
        "rsvp_waitlist_position",
        "rsvp_updated_at",
    ],
)

_CREATED_AT, _UPDATED_AT, _RSVP_UPDATED_AT = (
    EventRow._fields.index(name) for name in ("created_at", "updated_at", "rsvp_updated_at")
)


def _event_row(row: tuple) -> EventRow:
    """An `EventRow` of a row of `_EVENT_ROW_COLUMNS`, its timestamps (PostgreSQL's ISO text with
    the offset) parsed by `fromisoformat` into the aware datetimes psycopg would have built."""
    values = list(row)
    for at in (_CREATED_AT, _UPDATED_AT, _RSVP_UPDATED_AT):
        if values[at] is not None:
            values[at] = _fromisoformat(values[at])
    return EventRow._make(values)


_fromisoformat = dt.datetime.fromisoformat


class EventRows(PagedSql):
    """The events `user` may see, narrowed by the filters of `EventFilterSerializer` (its validated
    data, passed as keywords) and ordered, as Django's `Paginator` wants its object list: `count()`
    is one COUNT query, a slice is one query for those rows, returned as `EventRow`s with their
    `waitlist_count` and the caller's RSVP.

    Without `access`: every event visible to `user` (all for a site admin, else those of clubs
    where `user` is an active member and the public events of public clubs), of club `club` only
    when given. With `access` (the caller's `ClubAccess` to a club they may see): the events of that
    club `user` may see (all for members and site admins, else its public events). `type`: that
    type only; `date_from`/`date_to`: bounds of the date, inclusive; `upcoming=True`: events that start now or later in their club's time zone (as
    `event_starts_at` reads them); `attending`: events whose `attendees` hold / do not hold `user`;
    `ordering`: one term of `_EVENT_ORDER_BY` (`-` for descending), then the id; the default is
    date, time, id. None (or False for `upcoming`) means no such filter."""

    def __init__(
        self,
        *,
        user,
        access: ClubAccess | None = None,
        club: uuid.UUID | None = None,
        type: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        upcoming: bool | None = None,
        attending: bool | None = None,
        ordering: str | None = None,
    ):
        conditions = []
        self.params = {"user": user.pk, "available": RsvpStatus.AVAILABLE}
        if access is not None:
            conditions.append("e.club_id = %(club)s")
            self.params["club"] = access.club_id
            if not access.can_view_event(False):
                conditions.append("e.is_public")
        else:
            if not is_site_admin(user):
                conditions.append(f"(EXISTS ({_ACTIVE_MEMBERSHIP}) OR (c.is_public AND e.is_public))")
            if club:
                conditions.append("e.club_id = %(club)s")
                self.params["club"] = club
        if type:
            conditions.append('e."type" = %(type)s')
            self.params["type"] = type
        if date_from:
            conditions.append('e."event_date" >= %(date_from)s')
            self.params["date_from"] = date_from
        if date_to:
            conditions.append('e."event_date" <= %(date_to)s')
            self.params["date_to"] = date_to
        if upcoming is True:
            # A coarse date bound for the date index (zones are within a day of UTC), then the exact start.
            now = timezone.now()
            conditions.append('e."event_date" >= %(since)s')
            conditions.append('timezone(c."timezone", e."event_date" + e."event_time") >= %(now)s')
            self.params["since"] = now.date() - dt.timedelta(days=1)
            self.params["now"] = now
        if attending is not None:
            # `@>` on the array, so the GIN index idx_events_attendees can answer it.
            mine = 'e."attendees" @> ARRAY[%(user)s]::uuid[]'
            conditions.append(mine if attending else f"NOT ({mine})")
        self.where = " AND ".join(conditions) or "TRUE"
        terms = (ordering, "id") if ordering else EVENT_DEFAULT_ORDERING
        self.order_by = order_by(terms, _EVENT_ORDER_BY)

    def count_sql(self) -> str:
        return f"SELECT count(*) FROM {_EVENTS} e JOIN {_CLUBS} c ON c.id = e.club_id WHERE {self.where}"  # noqa: S608

    def page_sql(self) -> str:
        # The page is cut first and only its rows are joined to the caller's RSVPs: joined before
        # the LIMIT, every matching event would be (twice the database time on a long list).
        return f"""
            SELECT {_EVENT_ROW_COLUMNS}
            FROM (
                SELECT e.* FROM {_EVENTS} e JOIN {_CLUBS} c ON c.id = e.club_id
                WHERE {self.where}
                ORDER BY {self.order_by} LIMIT %(limit)s OFFSET %(offset)s
            ) e
            LEFT JOIN {_AVAILABILITY} a ON a.event_id = e.id AND a.user_id = %(user)s
            ORDER BY {self.order_by}
        """  # noqa: S608

    def row(self, values: tuple) -> EventRow:
        return _event_row(values)


def event_get_visible(*, user, event_id, with_my_rsvp: bool = False) -> tuple[Event, ClubAccess]:
    """The event with `event_id` (its `club` loaded) if `user` may see it, and the caller's access
    to its club, in one query. With `with_my_rsvp`, for the event's own representation, the same
    query also sets `waitlist_count` and `my_rsvp` (the caller's RSVP in a list of at most one row).

    Raises Http404 for unknown, malformed and invisible ids alike."""
    pk = parse_uuid(event_id)
    params = {"event": pk, "user": getattr(user, "pk", None), "available": RsvpStatus.AVAILABLE}
    with connection.cursor() as cursor:
        cursor.execute(_event_get_sql(with_my_rsvp), params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    event, at = hydrate(Event, row, 0)
    event.club, at = hydrate(Club, row, at)
    # Visibility is decided here by `ClubAccess.can_view_event`, the same rule `EventRows`
    # writes in SQL, so the query stays a plain primary-key lookup.
    access = club_access(user=user, club=event.club, role=row[at])
    if not access.can_view_event(event.is_public):
        raise Http404
    if with_my_rsvp:
        _set_rsvp_state(event, row, at + 1, user)
    return event, access
