"""Releasing the RSVPs of users who can no longer see an event (issue 11).

An outsider (no active membership, not a site admin) may RSVP to a public event of a public club.
When the event or its club stops being public they can no longer see it: they could neither
release their seat (404) nor could a moderator clear it through the member endpoint, and the
members on the waitlist queued behind it for good. So the change of `is_public` releases them in
its own transaction. Who can see an event is the one visibility rule (`clubs.sql.event_visible`);
"upcoming" is `core.time`'s.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from accounts.models import User
from clubs.permissions import is_site_admin
from core import time
from events.availability import sql
from events.availability.models import Availability
from events.availability.services import event_seats_sync, events_lock
from events.models import Event


def _outsider_rsvp_ids(*, event: Event) -> list:
    """Ids of the RSVPs of `event` whose users cannot see it now (site admins see everything)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.invisible_rsvps(), {"event": event.pk})
        rows = cursor.fetchall()
    if not rows:
        return []
    users = User.objects.in_bulk({user_id for _, user_id in rows})
    return [rsvp_id for rsvp_id, user_id in rows if not is_site_admin(users.get(user_id))]


def availability_release_outsiders(*, club_id, event_ids=None) -> int:
    """Delete the RSVPs of users who can no longer see the UPCOMING events of club `club_id` (or
    only the events `event_ids`), promote from the waitlist into the freed seats and rewrite
    `attendees`; returns how many RSVPs were deleted.

    Runs inside the caller's transaction, after it wrote `is_public` (the club's or the event's)
    under its lock (club or event, see core/locks.py); the events are locked here in ascending id
    order. Past events and events that have started keep their RSVPs as history, as when a member
    leaves.
    """
    now = timezone.now()
    ids = Event.objects.filter(club_id=club_id, event_date__gte=time.earliest_upcoming_date(now))
    if event_ids is not None:
        ids = ids.filter(pk__in=list(event_ids))
    released = 0
    for event in events_lock(event_ids=list(ids.values_list("pk", flat=True))):
        if not time.is_upcoming(event, now=now):
            continue
        doomed = _outsider_rsvp_ids(event=event)
        if doomed:
            deleted, _ = Availability.objects.filter(pk__in=doomed).delete()
            released += deleted
            event_seats_sync(event=event)
    return released
