"""Writes of events. Seat bookkeeping on `max_attendees` changes is delegated to
`events.availability.services`, under the same lock on the event row.

Locks follow the global order of core/locks.py: creating an event locks its club first (a club
deleted meanwhile is a 404, not a foreign-key error at commit); editing and deleting lock the event
before anything under it (Django's cascade deletes RSVPs and items before the event row, so a delete
that did not hold the event first would deadlock with an RSVP write holding it)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from clubs.models import Club
from clubs.permissions import ClubAccess
from core.locks import lock_one, retry_on_conflict
from core.time import event_starts_at
from events.availability.models import Availability, RsvpStatus
from events.availability.outsiders import availability_release_outsiders
from events.availability.services import event_lock, event_seats_sync
from events.exceptions import event_open_ensure
from events.models import Event, EventStatus
from events.shapes import EDITABLE_FIELDS
from notifications import services as notifications
from webhooks import emit as webhooks


def event_manage_check(*, access: ClubAccess, verb: str) -> None:
    """403 unless the caller may `verb` ("create", "edit", "delete", "cancel") events of the club: its
    moderators and admins, and site admins. Views call it before they read the body."""
    if not access.can_manage_events():
        raise PermissionDenied(f"Only club moderators and admins may {verb} events.")


def _reject_past_start(event: Event) -> None:
    if event_starts_at(event) < timezone.now():
        raise ValidationError({"event_date": ["The event must not start in the past (club's local time)."]})


@retry_on_conflict
@transaction.atomic
def event_create(*, club: Club, created_by, data: dict[str, Any], allow_past: bool = False) -> Event:
    """Create an event of `club`. Its start (`event_date` + `event_time`, read in the club's time
    zone) must not be in the past (staff in the Django admin may pass `allow_past`). The club row
    is locked (FOR NO KEY UPDATE) first: Http404 if it was deleted meanwhile. The club's members
    are told (`event_created`). Permission checks belong to the caller."""
    if lock_one(Club.objects.filter(pk=club.pk), no_key=True) is None:
        raise Http404
    event = Event(club=club, created_by=created_by, **{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    if not allow_past:
        _reject_past_start(event)
    event.full_clean(exclude=["club", "created_by", "attendees"], validate_unique=False, validate_constraints=False)
    event.save()
    notifications.notify_event_created(event=event)
    webhooks.event_created(event=event)
    return event


@retry_on_conflict
@transaction.atomic
def event_update(*, event_id, data: dict[str, Any], allow_past: bool = False) -> Event:
    """Apply `data` to the event under a lock on its row, bump `sequence`, and keep the seat rules.

    - Moving the start (`event_date` / `event_time`) into the past is refused; other edits of a
      past event are allowed (an event's history stays editable). Staff in the Django admin may
      pass `allow_past` to correct the date of a past event.
    - Lowering `max_attendees` below the number of seated users is refused (400); raising or
      clearing it promotes the longest-waiting RSVPs in the same transaction.
    - Making the event private releases the RSVPs of users who can no longer see it (not active
      members of the club, not site admins), with promotion from the waitlist, in this transaction.
    - A change of date, time, location or book notifies those who answered (`event_changed`).
    - Http404 (`EventGone`) if the event was deleted meanwhile.
    """
    event = event_lock(event_id=event_id)
    changes = {k: v for k, v in data.items() if k in EDITABLE_FIELDS and getattr(event, k) != v}
    previous = {field: getattr(event, field) for field in changes}
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
    if changes.get("is_public") is False:
        availability_release_outsiders(club_id=event.club_id, event_ids=[event.pk])
        event.refresh_from_db(fields=["attendees", "updated_at"])
    notifications.notify_event_changed(event=event, changed=previous)
    webhooks.event_updated(event=event, changed=changes)
    return event


@retry_on_conflict
@transaction.atomic
def event_cancel(*, event_id, reason: str | None = None) -> Event:
    """Cancel the event under a lock on its row: `status` becomes `cancelled`, `cancel_reason` is
    stored and `sequence` bumped (calendar clients then show it cancelled). Its RSVPs stay as
    history; it takes no new RSVP or item. Those who answered are told (`event_cancelled`).
    Cancelling it again is 409 `event_cancelled`; Http404 (`EventGone`) if it was deleted.
    Permission checks belong to the caller."""
    event = event_lock(event_id=event_id)
    event_open_ensure(event)
    event.status = EventStatus.CANCELLED
    event.cancel_reason = reason or None
    event.sequence = F("sequence") + 1
    event.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    event.refresh_from_db(fields=["sequence", "updated_at"])
    notifications.notify_event_cancelled(event=event, reason=event.cancel_reason)
    webhooks.event_cancelled(event=event)
    return event


@retry_on_conflict
@transaction.atomic
def event_delete(*, event_id) -> None:
    """Delete the event; its RSVPs and items go with it (ON DELETE CASCADE). The event row is
    locked first (Http404 if it is already gone), so RSVP and item writers queue behind the delete
    and then find no event (404). Deleting a scheduled event tells those who answered, as a
    cancellation would (under the event's lock, so no RSVP slips in between)."""
    event = lock_one(Event.objects.filter(pk=event_id))
    if event is None:
        raise Http404
    if event.status == EventStatus.SCHEDULED:
        notifications.notify_event_cancelled(event=event)
        webhooks.event_cancelled(event=event, deleted=True)
    event.delete()
