"""Shapes of event items."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from core.serializers import ModelSerializer, StrictPrimaryKeyRelatedField, StrictUUIDField
from events.items.models import EventItem, ItemCategory, ItemStatus
from events.items.shapes import ITEM

EventItemSerializer = ITEM.serializer(
    doc="""Event item: `id, event, name, category, assigned_to, status, notes, created_by, created_at, updated_at`."""
)


class EventItemWriteSerializer(ModelSerializer):
    """Body of POST and PATCH. An unknown `assigned_to` is a 400 (never a 500 from the foreign key);
    `null` unassigns, `""` is a 400 like any other malformed id."""

    category = serializers.ChoiceField(choices=ItemCategory.choices, default=ItemCategory.OTHER)
    status = serializers.ChoiceField(choices=ItemStatus.choices, default=ItemStatus.PENDING)
    assigned_to = StrictPrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        pk_field=StrictUUIDField(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = EventItem
        fields = ["name", "category", "assigned_to", "status", "notes"]
        extra_kwargs = {"notes": {"allow_null": True, "allow_blank": True, "required": False}}

    def validate_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.", code="blank")
        return value.strip()


class EventItemFilterSerializer(serializers.Serializer):
    """Query parameters of the item list; `assigned_to` is `me` or a user id."""

    status = serializers.ChoiceField(choices=ItemStatus.choices, required=False)
    category = serializers.ChoiceField(choices=ItemCategory.choices, required=False)
    assigned_to = serializers.CharField(required=False, help_text="`me` or a user id.")

    def validate_assigned_to(self, value: str):
        if value == "me":
            return value
        try:
            return serializers.UUIDField().to_internal_value(value)
        except serializers.ValidationError:
            raise serializers.ValidationError("Must be `me` or a user id.", code="invalid") from None
