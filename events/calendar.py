"""iCalendar export of one event (RFC 5545, built with the `icalendar` package)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from core.time import event_starts_at
from events.models import Event, EventStatus

PRODID = "-//Bookwork//Bookwork events//EN"


@functools.lru_cache(maxsize=64)
def _vtimezone(tzid: str) -> Timezone | None:
    """The VTIMEZONE of `tzid` as `Calendar.add_missing_timezones` builds it (its default date
    range is fixed, so the component depends on the name only). Computing it walks years of
    transitions and was ~40% of an export's CPU, hence the cache; the cached component is only
    ever read (serialised), never changed."""
    try:
        return Timezone.from_tzid(tzid)
    except ValueError:
        return None


def event_uid(event: Event) -> str:
    """The UID of the event in every calendar: derived from the immutable id, so it never changes."""
    return f"{event.pk}@bookwork"


def _vevent(event: Event, dtstamp: dt.datetime) -> VEvent:
    """The VEVENT of `event` (its club must be loaded: DTSTART is in the club's zone)."""
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", dtstamp)
    vevent.add("dtstart", event_starts_at(event))
    vevent.add("duration", dt.timedelta(minutes=event.duration_minutes))
    vevent.add("summary", event.title)
    vevent.add("location", event.location)
    description = [event.description or ""]
    if event.book:
        vevent.add("x-bookwork-book", event.book)
        description.append(f"Book: {event.book}")
    vevent.add("description", "\n\n".join(part for part in description if part))
    vevent.add("categories", [event.type])
    vevent.add("sequence", event.sequence)
    vevent.add("created", event.created_at.astimezone(dt.UTC).replace(microsecond=0))
    vevent.add("last-modified", event.updated_at.astimezone(dt.UTC).replace(microsecond=0))
    vevent.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    return vevent


def events_calendar_ics(
    events: Iterable[Event], *, name: str | None = None, dtstamp: dt.datetime | None = None
) -> bytes:
    """A VCALENDAR with one VEVENT per event (the single-event export's UID, SEQUENCE and STATUS)
    and one VTIMEZONE per zone the events use; `name` becomes X-WR-CALNAME (a subscribed feed).
    `dtstamp`: the DTSTAMP of every VEVENT (default: now)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    dtstamp = (dtstamp or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
    for event in events:
        calendar.add_component(_vevent(event, dtstamp))
    # What `calendar.add_missing_timezones()` does, with the VTIMEZONE components cached.
    for tzid in sorted(calendar.get_missing_tzids()):
        component = _vtimezone(tzid)
        if component is not None:
            calendar.add_component(component)
    return calendar.to_ical()


def event_calendar_ics(event: Event) -> bytes:
    """A VCALENDAR with one VEVENT (plus the VTIMEZONE it needs) for `event`.

    DTSTART carries the club's time zone as TZID; SEQUENCE is `event.sequence`, which every edit
    increments, so calendar clients replace their older copy; a cancelled event is STATUS:CANCELLED.
    DTSTAMP is `event_revised_at(event)`, not the moment of the export: the file is then a function
    of the event's and its club's rows only, which its strong ETag is made of."""
    return events_calendar_ics([event], dtstamp=event_revised_at(event))


def event_revised_at(event: Event) -> dt.datetime:
    """When the export of `event` last changed: the later `updated_at` of the event and of its club
    (its time zone); both are kept by database triggers, whatever writes the rows."""
    return max(event.updated_at, event.club.updated_at)
