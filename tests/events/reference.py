"""The ORM formulation of the event reads that `events.selectors` answers with the SQL of
`events/sql.py` and `clubs/sql.py` (`EventRows`, `event_get_visible`): the reference ("oracle")
the SQL is tested against. It imports only models and Django, never the code it checks; it is not
used by the app."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, Func, OuterRef, Q, QuerySet
from django.utils import timezone

from clubs.models import Club, ClubMember
from events.availability.models import Availability, RsvpStatus
from events.models import Event
from tests.clubs.reference import is_site_admin


def events_attach_rsvp_state(events: list[Event], *, user) -> list[Event]:
    """Give each of `events` (a page, already visible to `user`) what its representation needs:
    `waitlist_count` and `my_rsvp`, the caller's RSVP in a list of at most one row."""
    for event in events:
        event.waitlist_count = Availability.objects.filter(
            event=event, status=RsvpStatus.AVAILABLE, waitlisted=True
        ).count()
        event.my_rsvp = list(Availability.objects.filter(event=event, user=user))
        for rsvp in event.my_rsvp:
            rsvp.user = user
    return events


def events_visible_to(user) -> QuerySet[Event]:
    """Events `user` may see. For their representation, pass the page through
    `events_attach_rsvp_state`."""
    events = Event.objects.all()
    if not is_site_admin(user):
        member_of = ClubMember.objects.filter(club=OuterRef("club"), user=user, is_active=True)
        events = events.filter(Exists(member_of) | Q(club__is_public=True, is_public=True))
    return events


def club_events_visible_to(user, *, club: Club, access) -> QuerySet[Event]:
    """The events of `club` that `user` (whose access to the visible `club` is `access`) may see.
    Members and site admins see every event of the club, everyone else (the club is then public)
    its public events. For their representation, pass the
    page through `events_attach_rsvp_state`."""
    events = Event.objects.filter(club=club)
    if not (is_site_admin(user) or ClubMember.objects.filter(club=club, user=user, is_active=True).exists()):
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
