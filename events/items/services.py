"""Writes of event items. Permission checks (who may create, edit which fields, delete) belong to
the caller through `clubs.permissions.ClubAccess`; the rules on values live here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clubs.selectors import is_active_member
from core.services import model_update
from events.items.models import EventItem
from events.models import Event

EDITABLE_FIELDS = ("name", "category", "assigned_to", "status", "notes")
ASSIGNEE_FIELDS = frozenset({"status", "notes"})


def _check_assignee(*, event: Event, assigned_to) -> None:
    if assigned_to is None:
        return
    user_id = getattr(assigned_to, "pk", assigned_to)
    if not is_active_member(user_id=user_id, club_id=event.club_id):
        raise ValidationError({"assigned_to": ["Must be an active member of the event's club."]})


@transaction.atomic
def item_create(*, event: Event, created_by, data: dict[str, Any]) -> EventItem:
    """Create an item of `event`; `assigned_to`, when given, must be an active member of the club."""
    fields = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    _check_assignee(event=event, assigned_to=fields.get("assigned_to"))
    return EventItem.objects.create(event=event, created_by=created_by, **fields)


@transaction.atomic
def item_update(*, item: EventItem, data: dict[str, Any]) -> EventItem:
    """Apply `data` to `item`; a new `assigned_to` must be an active member of the club."""
    changes = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
    if "assigned_to" in changes and getattr(changes["assigned_to"], "pk", None) != item.assigned_to_id:
        _check_assignee(event=item.event, assigned_to=changes["assigned_to"])
    if model_update(instance=item, changes=changes):
        item.refresh_from_db(fields=["updated_at"])
    return item


@transaction.atomic
def item_delete(*, item: EventItem) -> None:
    item.delete()
