"""Reads of events, always scoped to what the caller may see.

An event is visible to a site admin, to active members of its club, and, when both the club and
the event are public, to any signed-in user. An event the caller may not see is indistinguishable
from one that does not exist: `event_get_visible` raises `Http404` for both, and for a malformed id.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

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


def _waitlist_count():
    waiting = (
        Availability.objects.filter(event=OuterRef("pk"), status=RsvpStatus.AVAILABLE, waitlisted=True)
        .order_by()
        .values("event")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0))


def events_visible_to(user, *, with_my_rsvp: bool = True) -> QuerySet[Event]:
    """Events `user` may see, annotated with `waitlist_count` and, unless `with_my_rsvp` is False,
    the caller's own RSVP prefetched into `my_rsvp` (a list of at most one row). Query cost does
    not grow with the number of rows: one query for the events, one for the caller's RSVPs."""
    events = Event.objects.all()
    if not is_site_admin(user):
        member_of = ClubMember.objects.filter(club=OuterRef("club"), user=user, is_active=True)
        events = events.filter(Exists(member_of) | Q(club__is_public=True, is_public=True))
    events = events.annotate(waitlist_count=_waitlist_count())
    if with_my_rsvp:
        mine = Availability.objects.filter(user=user).select_related("user")
        events = events.prefetch_related(Prefetch("availabilities", queryset=mine, to_attr="my_rsvp"))
    return events


def club_events_visible_to(user, *, club: Club, access: ClubAccess) -> QuerySet[Event]:
    """The events of `club` that `user` (whose access to the visible `club` is `access`) may see,
    annotated like `events_visible_to`. Visibility needs no subquery here: members and site admins
    see every event of the club, everyone else (the club is then public) its public events."""
    events = Event.objects.filter(club=club)
    if not access.can_view_event(False):
        events = events.filter(is_public=True)
    events = events.annotate(waitlist_count=_waitlist_count())
    mine = Availability.objects.filter(user=user).select_related("user")
    return events.prefetch_related(Prefetch("availabilities", queryset=mine, to_attr="my_rsvp"))


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
    """The event with `event_id` if `user` may see it, and the caller's access to its club, in
    one query (two with `with_my_rsvp`, for the event's own representation, which also annotates
    `waitlist_count`).

    Raises Http404 for unknown, malformed and invisible ids alike."""
    pk = parse_uuid(event_id)
    # UNIQUE (club, user): at most one row, so no ordering is needed.
    my_role = ClubMember.objects.filter(club=OuterRef("club"), user=user, is_active=True).order_by().values("role")[:1]
    events = Event.objects.select_related("club").annotate(my_club_role=Subquery(my_role))
    if with_my_rsvp:
        events = events.annotate(waitlist_count=_waitlist_count())
    # Visibility is decided below by `ClubAccess.can_view_event` (the same rule `events_visible_to`
    # writes in SQL), so the query stays a plain primary-key lookup without ORDER BY.
    event = next(iter(events.filter(pk=pk).order_by()), None)
    if event is None:
        raise Http404
    access = club_access(user=user, club=event.club, role=event.my_club_role)
    if not access.can_view_event(event.is_public):
        raise Http404
    if with_my_rsvp:
        mine = list(Availability.objects.filter(event_id=pk, user=user))
        for row in mine:
            row.user = user
        event.my_rsvp = mine
    return event, access
