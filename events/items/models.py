"""Items of an event: agenda points, tasks, materials, notes (table `event_items`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import created_at_field, updated_at_field, uuid_primary_key


class ItemCategory(models.TextChoices):
    AGENDA = "agenda", "Agenda"
    TASK = "task", "Task"
    MATERIAL = "material", "Material"
    NOTE = "note", "Note"
    OTHER = "other", "Other"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class EventItem(models.Model):
    """Something to do or bring for an event.

    Contract: `assigned_to`, when set, is an active member of the event's club at the time of
    assignment (checked by `events.items.services`); creator, assignee and club moderators/admins
    may edit it, the assignee only its `status` and `notes`.
    """

    id = uuid_primary_key()
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="items", db_index=False)
    name = models.CharField(max_length=255)
    category = models.CharField(
        max_length=50, choices=ItemCategory.choices, default=ItemCategory.OTHER, db_default=ItemCategory.OTHER
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    status = models.CharField(
        max_length=20, choices=ItemStatus.choices, default=ItemStatus.PENDING, db_default=ItemStatus.PENDING
    )
    notes = models.TextField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        db_table = "event_items"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["event"], name="idx_event_items_event_id"),
            models.Index(fields=["assigned_to"], name="idx_event_items_assigned_to"),
            models.Index(fields=["status"], name="idx_event_items_status"),
            models.Index(fields=["category"], name="idx_event_items_category"),
            models.Index(fields=["event", "status"], name="idx_event_items_event_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(category__in=ItemCategory.values), name="event_items_category_check"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values), name="event_items_status_check"),
        ]

    def __str__(self) -> str:
        return self.name
