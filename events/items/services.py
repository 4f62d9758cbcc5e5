"""Writes of event items. Permission checks (who may create, edit which fields, delete) belong to
the caller through `clubs.permissions.ClubAccess`; the rules on values live here.

Every write locks its event first (FOR NO KEY UPDATE, core/locks.py order: event, then item), so
a write racing the event's delete waits for it and answers 404 instead of failing on the foreign
key at commit or updating a row that is gone."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from bookwork.services import model_update
from clubs.models import ClubMember
from core.locks import Lock, lock_objects, lock_one
from events.exceptions import event_open_ensure
from events.items.models import EventItem
from events.models import Event

EDITABLE_FIELDS = ("name", "category", "assigned_to", "status", "notes")
ASSIGNEE_FIELDS = frozenset({"status", "notes"})


def _check_assignee(*, event: Event, assigned_to) -> None:
    if assigned_to is None:
        return
    user_id = getattr(assigned_to, "pk", assigned_to)
    if not ClubMember.objects.filter(club_id=event.club_id, user_id=user_id, is_active=True).exists():
        raise ValidationError({"assigned_to": ["Must be an active member of the event's club."]})


def _event_and_item_lock(*, event_id, item_id=None) -> EventItem | None:
    """Lock the event (Http404 if it is gone), then the item if `item_id` (Http404 if gone)."""
    if item_id is None:
        if lock_one(Event.objects.filter(pk=event_id), no_key=True) is None:
            raise Http404
        return None
    events, items = lock_objects(
        Lock(Event.objects.filter(pk=event_id), no_key=True),
        Lock(EventItem.objects.filter(pk=item_id, event_id=event_id)),
    )
    if not events or not items:
        raise Http404
    return items[0]


@transaction.atomic
def item_create(*, event: Event, created_by, data: dict[str, Any]) -> EventItem:
    """Create an item of `event`; `assigned_to`, when given, must be an active member of the club.
    Http404 if the event was deleted meanwhile; a cancelled event takes no new item (409
    `event_cancelled`), decided on the row read under the event lock."""
    locked = lock_one(Event.objects.filter(pk=event.pk), no_key=True)
    if locked is None:
        raise Http404
    event_open_ensure(locked)
    fields = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    _check_assignee(event=event, assigned_to=fields.get("assigned_to"))
    return EventItem.objects.create(event=event, created_by=created_by, **fields)


@transaction.atomic
def item_update(*, item: EventItem, data: dict[str, Any]) -> EventItem:
    """Apply `data` to `item`; a new `assigned_to` must be an active member of the club. Http404 if
    the item or its event was deleted meanwhile."""
    _event_and_item_lock(event_id=item.event_id, item_id=item.pk)
    changes = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    if "assigned_to" in changes and getattr(changes["assigned_to"], "pk", None) != item.assigned_to_id:
        _check_assignee(event=item.event, assigned_to=changes["assigned_to"])
    if model_update(instance=item, changes=changes):
        item.refresh_from_db(fields=["updated_at"])
    return item


@transaction.atomic
def item_delete(*, item: EventItem) -> None:
    """Delete `item`; Http404 if it or its event was deleted meanwhile."""
    _event_and_item_lock(event_id=item.event_id, item_id=item.pk).delete()
