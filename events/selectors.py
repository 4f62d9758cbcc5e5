"""Reads of events, always scoped to what the caller may see.

An event is visible to a site admin, to active members of its club, and, when both the club and
the event are public, to any signed-in user. An event the caller may not see is indistinguishable
from one that does not exist: `event_get_visible` raises `Http404` for both, and for a malformed id.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from django.db import connection
from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404
from django.utils import timezone

from bookwork.queries import columns, hydrate
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
def _rsvp_state_sql() -> str:
    """Per event id of an array: its waitlist length and the caller's RSVP (NULL columns if none)."""
    return f"""
        SELECT ids.id,
               (SELECT count(*) FROM {Availability._meta.db_table} w
                 WHERE w.event_id = ids.id AND w.status = %(available)s AND w.waitlisted),
               a.id IS NOT NULL, {columns(Availability, "a")}
        FROM unnest(%(ids)s::uuid[]) AS ids(id)
        LEFT JOIN {Availability._meta.db_table} a ON a.event_id = ids.id AND a.user_id = %(user)s
    """  # noqa: S608


@functools.cache
def _event_get_sql(with_rsvp_state: bool) -> str:
    """One event by id with its club and the caller's active club role (UNIQUE (club, user): at
    most one row); with the RSVP state, also its waitlist length and the caller's RSVP."""
    rsvp_columns = ""
    rsvp_join = ""
    if with_rsvp_state:
        rsvp_columns = f"""
               , (SELECT count(*) FROM {Availability._meta.db_table} w
                   WHERE w.event_id = e.id AND w.status = %(available)s AND w.waitlisted)
               , a.id IS NOT NULL, {columns(Availability, "a")}"""  # noqa: S608
        rsvp_join = f"LEFT JOIN {Availability._meta.db_table} a ON a.event_id = e.id AND a.user_id = %(user)s"
    return f"""
        SELECT {columns(Event, "e")}, {columns(Club, "c")},
               (SELECT m.role FROM {ClubMember._meta.db_table} m
                 WHERE m.club_id = e.club_id AND m.user_id = %(user)s AND m.is_active){rsvp_columns}
        FROM {Event._meta.db_table} e
        JOIN {Club._meta.db_table} c ON c.id = e.club_id
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


def events_attach_rsvp_state(events: list[Event], *, user) -> list[Event]:
    """Give each of `events` (a page, already visible to `user`) what its representation needs:
    `waitlist_count` and `my_rsvp`, the caller's RSVP in a list of at most one row. One query
    whatever the number of events."""
    if not events:
        return events
    params = {"ids": [event.pk for event in events], "user": user.pk, "available": RsvpStatus.AVAILABLE}
    with connection.cursor() as cursor:
        cursor.execute(_rsvp_state_sql(), params)
        rows = {row[0]: row for row in cursor.fetchall()}
    for event in events:
        _set_rsvp_state(event, rows[event.pk], 1, user)
    return events


def events_visible_to(user) -> QuerySet[Event]:
    """Events `user` may see. For their representation, pass the page through
    `events_attach_rsvp_state`."""
    events = Event.objects.all()
    if not is_site_admin(user):
        member_of = ClubMember.objects.filter(club=OuterRef("club"), user=user, is_active=True)
        events = events.filter(Exists(member_of) | Q(club__is_public=True, is_public=True))
    return events


def club_events_visible_to(user, *, club: Club, access: ClubAccess) -> QuerySet[Event]:
    """The events of `club` that `user` (whose access to the visible `club` is `access`) may see.
    Visibility needs no subquery here: members and site admins see every event of the club,
    everyone else (the club is then public) its public events. For their representation, pass the
    page through `events_attach_rsvp_state`."""
    events = Event.objects.filter(club=club)
    if not access.can_view_event(False):
        events = events.filter(is_public=True)
    return events


def events_upcoming(events: QuerySet[Event]) -> QuerySet[Event]:
    """Events that start now or later, each judged in its club's time zone."""
    # A coarse date bound first, so the date index narrows the rows (zones are within a day of UTC).
    start = Func(
        F("club__timezone"),
        ExpressionWrapper(F("event_date") + F("event_time"), output_field=DateTimeField()),
        function="timezone",
        output_field=DateTimeField(),
    )
    return (
        events.filter(event_date__gte=timezone.now().date() - dt.timedelta(days=1))
        .alias(starts_at=start)
        .filter(starts_at__gte=timezone.now())
    )


def event_get_visible(*, user, event_id, with_my_rsvp: bool = False) -> tuple[Event, ClubAccess]:
    """The event with `event_id` (its `club` loaded) if `user` may see it, and the caller's access
    to its club, in one query. With `with_my_rsvp`, for the event's own representation, the same
    query also sets `waitlist_count` and `my_rsvp` (see `events_attach_rsvp_state`).

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
    # Visibility is decided here by `ClubAccess.can_view_event`, the same rule `events_visible_to`
    # writes in SQL, so the query stays a plain primary-key lookup.
    access = club_access(user=user, club=event.club, role=row[at])
    if not access.can_view_event(event.is_public):
        raise Http404
    if with_my_rsvp:
        _set_rsvp_state(event, row, at + 1, user)
    return event, access
