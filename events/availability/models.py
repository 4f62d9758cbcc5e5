"""RSVPs of users to events (table `availability` of the seed schema)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import created_at_field, updated_at_field, uuid_primary_key
from events.models import RsvpStatus

__all__ = ["Availability", "RsvpStatus"]


class Availability(models.Model):
    """One user's RSVP to one event.

    Contract: at most one row per (event, user). An `available` RSVP either holds a seat
    (`waitlisted` false, its user in `events.attendees`) or waits with `waitlist_position` 1..n,
    gap-free, first come first served. Only `events.availability.services` writes these rows,
    under a lock on the event row.
    """

    id = uuid_primary_key()
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="availabilities", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availabilities", db_index=False
    )
    status = models.CharField(max_length=20, choices=RsvpStatus.choices)
    notes = models.TextField(null=True, blank=True)
    waitlisted = models.BooleanField(default=False, db_default=False)
    waitlist_position = models.IntegerField(null=True, blank=True)
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        db_table = "availability"
        verbose_name_plural = "availability"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["event"], name="idx_availability_event_id"),
            models.Index(fields=["user"], name="idx_availability_user_id"),
            models.Index(fields=["status"], name="idx_availability_status"),
            models.Index(fields=["event", "status"], name="idx_availability_event_status"),
            models.Index(fields=["event", "status"], include=["user"], name="idx_availability_event_summary"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="availability_event_id_user_id_key"),
            models.CheckConstraint(condition=Q(status__in=RsvpStatus.values), name="availability_status_check"),
            models.CheckConstraint(
                condition=(
                    Q(waitlisted=False, waitlist_position__isnull=True)
                    | Q(waitlisted=True, status=RsvpStatus.AVAILABLE, waitlist_position__gte=1)
                ),
                name="availability_waitlist_consistent",
            ),
            models.UniqueConstraint(
                fields=["event", "waitlist_position"],
                name="availability_waitlist_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        # Reads the user and the event: querysets that show many rows select_related them.
        return f"{self.user.label} → {self.event}: {self.status}"
