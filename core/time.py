"""The one home of time rules: a club's time zone, an event's start, and "upcoming".

An event is stored as a local `event_date` + `event_time` of its club's wall clock; its club's
`timezone` names the zone (an unknown name, never accepted by the API, falls back to UTC).

**Upcoming** means "starts now or later": the event's local date and time, read in its club's
zone, is not before now. The event lists' `?upcoming=true` (SQL, `events.sql.upcoming`), the
"not in the past" rule of event writes and the seat release of a member who leaves or is
deactivated (`events.availability.services.availability_release_user`) all use it. The release
used to keep a date-only rule ("`event_date` on or after today in the club's zone"), which
treated an event that began (or ended) earlier today as still to come and deleted its RSVPs
when a member left in the evening; an event's history starts when it starts, so the start-time
rule is the right one and is now the only one.

These functions read attributes only (`club.timezone`, `event.event_date`, ...), so this library
module imports no app.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from django.utils import timezone


@functools.lru_cache(maxsize=512)
def zone(name: str | None) -> zoneinfo.ZoneInfo | dt.timezone:
    """The zone named `name`; an empty or unknown name is UTC."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def club_zone(club) -> zoneinfo.ZoneInfo | dt.timezone:
    """The time zone of `club` (anything with a `timezone` name)."""
    return zone(club.timezone)


def event_starts_at(event, club=None) -> dt.datetime:
    """The aware start of `event`: its date and time read in its club's (or `club`'s) time zone."""
    return dt.datetime.combine(event.event_date, event.event_time, tzinfo=club_zone(club or event.club))


def is_upcoming(event, club=None, *, now: dt.datetime | None = None) -> bool:
    """Whether `event` starts now or later (see the module docstring)."""
    return event_starts_at(event, club) >= (now or timezone.now())


def earliest_upcoming_date(now: dt.datetime | None = None) -> dt.date:
    """A date no upcoming event is before, in any zone (zones are within a day of UTC): a coarse
    bound for the date index before the exact, per-club test."""
    return (now or timezone.now()).date() - dt.timedelta(days=1)
