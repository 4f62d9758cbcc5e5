"""Writes of events. Seat bookkeeping on `max_attendees` changes is delegated to
`events.availability.services`, under the same lock on the event row."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from clubs.models import Club
from clubs.permissions import ClubAccess
from core.time import event_starts_at
from events.availability.models import Availability, RsvpStatus
from events.availability.services import event_lock, event_seats_sync
from events.models import Event
from events.shapes import EDITABLE_FIELDS


def event_manage_check(*, access: ClubAccess, verb: str) -> None:
    """403 unless the caller may `verb` ("create", "edit", "delete") events of the club: its
    moderators and admins, and site admins. Views call it before they read the body."""
    if not access.can_manage_events():
        raise PermissionDenied(f"Only club moderators and admins may {verb} events.")


def _reject_past_start(event: Event) -> None:
    if event_starts_at(event) < timezone.now():
        raise ValidationError({"event_date": ["The event must not start in the past (club's local time)."]})


@transaction.atomic
def event_create(*, club: Club, created_by, data: dict[str, Any]) -> Event:
    """Create an event of `club`. Its start (`event_date` + `event_time`, read in the club's time
    zone) must not be in the past. Permission checks belong to the caller."""
    event = Event(club=club, created_by=created_by, **{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    _reject_past_start(event)
    event.full_clean(exclude=["club", "created_by", "attendees"], validate_unique=False, validate_constraints=False)
    event.save()
    return event


@transaction.atomic
def event_update(*, event_id, data: dict[str, Any], allow_past: bool = False) -> Event:
    """Apply `data` to the event under a lock on its row, bump `sequence`, and keep the seat rules.

    - Moving the start (`event_date` / `event_time`) into the past is refused; other edits of a
      past event are allowed (an event's history stays editable). Staff in the Django admin may
      pass `allow_past` to correct the date of a past event.
    - Lowering `max_attendees` below the number of seated users is refused (400); raising or
      clearing it promotes the longest-waiting RSVPs in the same transaction.
    """
    event = event_lock(event_id=event_id)
    changes = {k: v for k, v in data.items() if k in EDITABLE_FIELDS and getattr(event, k) != v}
    for field, value in changes.items():
        setattr(event, field, value)
    if not allow_past and {"event_date", "event_time"} & changes.keys():
        _reject_past_start(event)
    if "max_attendees" in changes and event.max_attendees is not None:
        seated = Availability.objects.filter(event=event, status=RsvpStatus.AVAILABLE, waitlisted=False).count()
        if event.max_attendees < seated:
            raise ValidationError(
                {"max_attendees": [f"{seated} seats are taken; max_attendees cannot be lower than that."]}
            )
    event.sequence = F("sequence") + 1
    event.save(update_fields=[*changes.keys(), "sequence", "updated_at"])
    event.refresh_from_db(fields=["sequence", "updated_at"])
    if "max_attendees" in changes:
        event_seats_sync(event=event)
    return event


@transaction.atomic
def event_delete(*, event_id) -> None:
    """Delete the event; its RSVPs and items go with it (ON DELETE CASCADE)."""
    Event.objects.filter(pk=event_id).delete()
