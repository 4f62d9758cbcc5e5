"""The EventItem response body, declared once (core/shapes.py): the JSON writer and the OpenAPI
schema (`events.items.serializers.EventItemSerializer`) come from this key list. A new field is
the model, its migration and its name here (and in `services.EDITABLE_FIELDS` when writable)."""

from __future__ import annotations

from core.shapes import ModelShape
from events.items.models import EventItem

ITEM = ModelShape(
    EventItem,
    ["id", "event", "name", "category", "assigned_to", "status", "notes", "created_by", "created_at", "updated_at"],
    name="EventItem",
)
