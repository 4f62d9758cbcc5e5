"""State conflicts of events, raised by the services (409 with a machine code)."""

from __future__ import annotations

from bookwork.exceptions import Conflict
from events.models import Event, EventStatus


class EventCancelled(Conflict):
    """409 `event_cancelled`: the event is cancelled and takes no new RSVP, item or cancellation."""

    default_detail = "The event is cancelled."
    default_code = "event_cancelled"


def event_open_ensure(event: Event) -> None:
    """Raise `EventCancelled` unless `event` is scheduled (callers hold or just read its row)."""
    if event.status == EventStatus.CANCELLED:
        raise EventCancelled()
