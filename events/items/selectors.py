"""Reads of event items. Callers have already checked that the event is visible
(`events.selectors.event_get_visible`); an item of another event is a 404."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from clubs.selectors import parse_uuid
from core.sql import hydrate
from events.items import sql
from events.items.models import EventItem
from events.models import Event


def item_list(*, event: Event, filters: dict) -> QuerySet[EventItem]:
    """Items of `event`, oldest first, narrowed by `status`, `category` and `assigned_to` (a user id)."""
    items = EventItem.objects.filter(event=event)
    for field in ("status", "category"):
        if filters.get(field):
            items = items.filter(**{field: filters[field]})
    if filters.get("assigned_to_id"):
        items = items.filter(assigned_to_id=filters["assigned_to_id"])
    return items.order_by("created_at", "id")


def item_list_with_assignees(*, event: Event) -> list[EventItem]:
    """`item_list(event=event, filters={}).select_related("assigned_to")` in one hand-written
    query: every item of `event` oldest first, its `event` set and its assignee loaded."""
    with connection.cursor() as cursor:
        cursor.execute(sql.items_with_assignees(), {"event": event.pk})
        fetched = cursor.fetchall()
    items = []
    for values in fetched:
        item, at = hydrate(EventItem, values)
        item.event = event
        item.assigned_to = hydrate(sql.USER, values, at)[0] if item.assigned_to_id is not None else None
        items.append(item)
    return items


def item_get(*, event: Event, item_id) -> EventItem:
    item = EventItem.objects.filter(event=event, pk=parse_uuid(item_id)).first()
    if item is None:
        raise Http404
    return item
