"""Releasing the RSVPs of users who can no longer see an event (issue 11).

An outsider (no active membership, not a site admin) may RSVP to a public event of a public club.
When the event or its club stops being public they can no longer see it: they could neither
release their seat (404) nor could a moderator clear it through the member endpoint, and the
members on the waitlist queued behind it for good. So the change of `is_public` releases them in
its own transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from events.availability.models import Availability
from events.availability.services import _club_today, event_seats_sync, events_lock
from events.models import Event


def _outsiders(*, event: Event):
    """RSVPs of `event` whose users cannot see it now (the visibility rule of
    `clubs.permissions.ClubAccess.can_view_event`, read from the rows as they are now)."""
    from accounts.models import Role
    from clubs.models import ClubMember

    rows = Availability.objects.filter(event=event)
    if event.is_public and event.club.is_public:
        return rows.none()
    members = ClubMember.objects.filter(club_id=event.club_id, is_active=True).values("user_id")
    site_admins = Q(user__is_active=True) & (Q(user__role=Role.ADMIN) | Q(user__is_superuser=True))
    return rows.exclude(user_id__in=members).exclude(site_admins)


def availability_release_outsiders(*, club_id, event_ids=None) -> int:
    """Delete the RSVPs of users who can no longer see the UPCOMING events of club `club_id` (or
    only the events `event_ids`), promote from the waitlist into the freed seats and rewrite
    `attendees`; returns how many RSVPs were deleted.

    Runs inside the caller's transaction, after it wrote `is_public` (the club's or the event's)
    under its lock (club or event, see core/locks.py); the events are locked here in ascending id
    order. Past events keep their RSVPs as history, as when a member leaves.
    """
    earliest = timezone.now().date() - dt.timedelta(days=1)  # the exact per-club cut is below
    ids = Event.objects.filter(club_id=club_id, event_date__gte=earliest)
    if event_ids is not None:
        ids = ids.filter(pk__in=list(event_ids))
    released = 0
    for event in events_lock(event_ids=list(ids.values_list("pk", flat=True))):
        if event.event_date < _club_today(event.club):
            continue
        deleted, _ = _outsiders(event=event).delete()
        if deleted:
            released += deleted
            event_seats_sync(event=event)
    return released
