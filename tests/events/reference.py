"""The ORM formulation of the event reads that `events.selectors` answers with hand-written SQL
(`EventRows`, `event_get_visible`): the reference the SQL is tested against. Not used by the app."""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connection
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, Func, OuterRef, Q, QuerySet
from django.utils import timezone

from clubs.models import Club, ClubMember
from clubs.permissions import ClubAccess, is_site_admin
from core.sql import columns, table
from events.availability.models import Availability, RsvpStatus
from events.models import Event
from events.selectors import _set_rsvp_state


@functools.cache
def _rsvp_state_sql() -> str:
    """Per event id of an array: its waitlist length and the caller's RSVP (NULL columns if none)."""
    return f"""
        SELECT ids.id,
               (SELECT count(*) FROM {table(Availability)} w
                 WHERE w.event_id = ids.id AND w.status = %(available)s AND w.waitlisted),
               a.id IS NOT NULL, {columns(Availability, "a")}
        FROM unnest(%(ids)s::uuid[]) AS ids(id)
        LEFT JOIN {table(Availability)} a ON a.event_id = ids.id AND a.user_id = %(user)s
    """


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
