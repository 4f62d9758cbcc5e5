"""Events of a club (table `events` of the seed schema)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from bookwork.models import created_at_field, updated_at_field, uuid_primary_key


class EventType(models.TextChoices):
    """Kind of event; the same list feeds the API and the database CHECK."""

    DISCUSSION = "discussion", "Discussion"
    MEETING = "meeting", "Meeting"
    SOCIAL = "social", "Social"
    PLANNING = "planning", "Planning"
    OTHER = "other", "Other"


class EventStatus(models.TextChoices):
    """Whether the event takes place; the same list feeds the API and the database CHECK."""

    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class Event(models.Model):
    """A dated event of a club, in the club's local time zone.

    Contract: `attendees` is the ordered list of user ids holding a seat, equal at every commit to
    the non-waitlisted `available` RSVPs, and never longer than `max_attendees`; every write that
    touches seats locks this row first (`events.availability.services`). `sequence` grows with
    every edit and feeds the iCalendar SEQUENCE. A `cancelled` event (`events.services.event_cancel`)
    keeps its RSVPs as history and accepts no new RSVP or item. "Not in the past" is checked on create by the
    API, not by a CHECK (which would forbid any later edit of a past event).
    """

    id = uuid_primary_key()
    club = models.ForeignKey("clubs.Club", on_delete=models.CASCADE, related_name="events", db_index=False)
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    event_date = models.DateField()
    event_time = models.TimeField()
    duration_minutes = models.IntegerField(default=120, db_default=120)
    location = models.CharField(max_length=255)
    book = models.CharField(max_length=255, null=True, blank=True)
    type = models.CharField(
        max_length=50, choices=EventType.choices, default=EventType.DISCUSSION, db_default=EventType.DISCUSSION
    )
    max_attendees = models.IntegerField(null=True, blank=True)
    is_public = models.BooleanField(default=False, db_default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    status = models.CharField(
        max_length=20, choices=EventStatus.choices, default=EventStatus.SCHEDULED, db_default=EventStatus.SCHEDULED
    )
    cancel_reason = models.TextField(null=True, blank=True)
    attendees = ArrayField(models.UUIDField(), default=list, db_default=[], blank=True)
    sequence = models.IntegerField(default=0, db_default=0)
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        db_table = "events"
        ordering = ["event_date", "event_time", "id"]
        indexes = [
            models.Index(fields=["club"], name="idx_events_club_id"),
            models.Index(fields=["event_date"], name="idx_events_date"),
            models.Index(fields=["club", "event_date"], name="idx_events_club_date"),
            models.Index(fields=["type"], name="idx_events_type"),
            models.Index(fields=["created_by"], name="idx_events_created_by"),
            GinIndex(fields=["attendees"], name="idx_events_attendees"),
            models.Index(fields=["club", "event_date", "type"], name="idx_events_club_date_type"),
            models.Index(fields=["event_date", "club"], name="idx_events_future"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=EventType.values), name="events_type_check"),
            models.CheckConstraint(condition=Q(status__in=EventStatus.values), name="events_status_check"),
            models.CheckConstraint(condition=Q(max_attendees__gt=0), name="events_max_attendees_check"),
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="events_duration_minutes_check"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.event_date})"
