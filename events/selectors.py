"""Reads of events, always scoped to what the caller may see.

An event is visible to a site admin, to active members of its club, and, when both the club and
the event are public, to any signed-in user. An event the caller may not see is indistinguishable
from one that does not exist: `event_get_visible` raises `Http404` for both, and for a malformed id.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import connection
from django.http import Http404
from django.utils import timezone

from clubs.models import Club
from clubs.permissions import ClubAccess, is_site_admin
from clubs.selectors import club_access, parse_uuid
from core import time
from core.sql import PagedSql, hydrate
from events import sql
from events.models import Event, RsvpStatus
from events.shapes import EVENT, EventRow


def _set_rsvp_state(event: Event, row: tuple, start: int, user) -> None:
    """`waitlist_count` and `my_rsvp` (the caller's RSVP in a list, or []) from `row` at `start`."""
    event.waitlist_count = row[start]
    if row[start + 1]:
        rsvp, _ = hydrate(sql.RSVP, row, start + 2)
        rsvp.user = user
        event.my_rsvp = [rsvp]
    else:
        event.my_rsvp = []


# Every event read is written in SQL (events/sql.py): the ORM spent about 2 ms of CPU per page
# compiling the visibility, upcoming and count queries, hydrating models (a UUID object for every
# seated user of `attendees`) and attaching the RSVP state with a second query. `EventRows` reads a
# page with its RSVP state in one query; the ORM formulation of the same rules lives on in
# tests/events/reference.py, and tests/events/test_event_rows.py holds the two equal.
EVENT_DEFAULT_ORDERING = sql.EVENT_DEFAULT_ORDERING

# An event as the lists render it: the Event shape's row (events/shapes.py), timestamps parsed.
_event_row = EVENT.row_parser(extra_datetimes=("rsvp_updated_at",))


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
    `core.time.is_upcoming` reads them); `attending`: events whose `attendees` hold / do not hold `user`;
    `ordering`: one term of `events.sql.EVENT_ORDERABLE` (`-` for descending), then the id; the default is
    date, time, id. None (or False for `upcoming`) means no such filter. `now`: the instant
    "upcoming" is judged at (default: now; a cached page passes the one its key holds)."""

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
        now: dt.datetime | None = None,
    ):
        filters = []
        self.params = {"user": user.pk, "available": RsvpStatus.AVAILABLE}
        self.site_admin, self.member = is_site_admin(user), None
        if access is not None:
            # The club's row came with the caller's role: visibility needs no membership subquery.
            self.member = access.is_member
            club = access.club_id
        if club:
            filters.append("club")
            self.params["club"] = club
        for name, value in (("type", type), ("date_from", date_from), ("date_to", date_to)):
            if value:
                filters.append(name)
                self.params[name] = value
        if upcoming is True:
            now = now or timezone.now()
            filters.append("upcoming")
            self.params["since"] = time.earliest_upcoming_date(now)
            self.params["now"] = now
        if attending is not None:
            filters.append("attending" if attending else "not_attending")
        self.filters = tuple(filters)
        self.ordering = (ordering, "id") if ordering else EVENT_DEFAULT_ORDERING
        self.page_sql()  # an unknown ordering term is a 400 before anything is counted

    @property
    def where(self) -> str:
        return sql.event_where(site_admin=self.site_admin, member=self.member, filters=self.filters)

    def count_sql(self) -> str:
        return sql.event_rows_count(site_admin=self.site_admin, member=self.member, filters=self.filters)

    def page_sql(self) -> str:
        return sql.event_rows_page(
            site_admin=self.site_admin, member=self.member, filters=self.filters, ordering=self.ordering
        )

    def row(self, values: tuple) -> EventRow:
        return _event_row(values)


def events_next_per_club(*, user, club_ids: list, per_club: int) -> list[EventRow]:
    """The next `per_club` upcoming events of each club of `club_ids` that `user` may see (as
    `EventRows(user=..., club=..., upcoming=True)[0:per_club]` would give for each club), with
    the caller's RSVP state, all in date order, in one query."""
    if not club_ids:
        return []
    now = timezone.now()
    params = {
        "user": user.pk,
        "available": RsvpStatus.AVAILABLE,
        "clubs": list(club_ids),
        "per_club": per_club,
        "since": time.earliest_upcoming_date(now),
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql.event_rows_next_per_club(site_admin=is_site_admin(user)), params)
        return [_event_row(values) for values in cursor.fetchall()]


def visible_events_version(*, user) -> tuple:
    """What every list of the events `user` may see across clubs is a function of, besides the
    moment "upcoming" is judged at (`sql.visible_events_version`)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.visible_events_version(site_admin=is_site_admin(user)), {"user": getattr(user, "pk", None)})
        return tuple(cursor.fetchone())


def event_get_visible(*, user, event_id, with_my_rsvp: bool = False) -> tuple[Event, ClubAccess]:
    """The event with `event_id` (its `club` loaded) if `user` may see it (`clubs.sql.event_visible`),
    and the caller's access to its club, in one query. With `with_my_rsvp`, for the event's own representation, the same
    query also sets `waitlist_count` and `my_rsvp` (the caller's RSVP in a list of at most one row).

    Raises Http404 for unknown, malformed and invisible ids alike."""
    event, access, _ = _event_get(user=user, event_id=event_id, with_my_rsvp=with_my_rsvp, with_stamps=False)
    return event, access


def event_get_versioned(*, user, event_id) -> tuple[Event, ClubAccess, tuple[int, int]]:
    """`event_get_visible` with the caller's RSVP state, and the event's `(stamp, epoch)` read in
    the same statement: what the event's conditional GET tags, and its body, in one query."""
    return _event_get(user=user, event_id=event_id, with_my_rsvp=True, with_stamps=True)


def _event_get(*, user, event_id, with_my_rsvp: bool, with_stamps: bool):
    params = {"event": parse_uuid(event_id), "user": getattr(user, "pk", None), "available": RsvpStatus.AVAILABLE}
    statement = sql.event_get(with_rsvp_state=with_my_rsvp, site_admin=is_site_admin(user), with_stamps=with_stamps)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    event, at = hydrate(Event, row, 0)
    event.club, at = hydrate(Club, row, at)
    access = club_access(user=user, club=event.club, role=row[at])
    if with_my_rsvp:
        _set_rsvp_state(event, row, at + 1, user)
    return event, access, (tuple(row[-2:]) if with_stamps else None)


@dataclass(frozen=True)
class EventVersion:
    """What a conditional read of an event (or of what hangs under it) needs before any body:
    the event's club and the caller's role in it, the stamps (the event's, the epoch's, the
    club's when asked) and the caller's RSVP values when asked (status, notes, waitlisted,
    waitlist_position, updated_at; None without one)."""

    event_id: uuid.UUID
    club_id: uuid.UUID
    role: str | None
    stamp: int
    epoch: int
    club_stamp: int | None = None
    my_rsvp: tuple | None = None


def event_version(*, user, event_id, with_my_rsvp: bool = False, with_club: bool = False) -> EventVersion:
    """The `EventVersion` of the event `event_id` if `user` may see it, in one query; Http404 for
    unknown, malformed and invisible ids alike (as `event_get_visible`)."""
    params = {"event": parse_uuid(event_id), "user": getattr(user, "pk", None)}
    statement = sql.event_version(site_admin=is_site_admin(user), with_rsvp=with_my_rsvp, with_club=with_club)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    club_id, role, stamp, epoch, *rest = row
    club_stamp = rest.pop(0) if with_club else None
    my_rsvp = tuple(rest) if with_my_rsvp and rest[0] is not None else None
    return EventVersion(params["event"], club_id, role, stamp, epoch, club_stamp, my_rsvp)


def my_rsvps_of(*, user, event_ids: list) -> dict[str, tuple]:
    """The caller's RSVPs to `event_ids`, by event id (text): (status, notes, waitlisted,
    waitlist_position, updated_at). One query; none for an empty list."""
    if not event_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql.my_rsvps(), {"user": user.pk, "events": list(event_ids)})
        return {values[0]: tuple(values[1:]) for values in cursor.fetchall()}
