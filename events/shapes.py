"""The Event response body, declared once (core/shapes.py): its keys in order, from which the SQL
of the event reads (`events.sql`), their rows (`EventRow`), the JSON writer and the OpenAPI schema
(`events.serializers.EventSerializer`) all come.

To add a field to Event: the model, its migration, and its name here (in `EDITABLE_FIELDS` when
clients may set it, which also makes it part of the create and edit bodies). Nothing else.
"""

from __future__ import annotations

from rest_framework import serializers

from core.shapes import Computed, ModelShape
from events.models import Event

# Fields a client may set; everything else (attendees, sequence, created_by) is the server's.
EDITABLE_FIELDS = (
    "title",
    "description",
    "event_date",
    "event_time",
    "duration_minutes",
    "location",
    "book",
    "type",
    "max_attendees",
    "is_public",
)

# The caller's RSVP, flattened into the row (all NULL without one; `rsvp_status` is NOT NULL in
# the table, so NULL there means "no RSVP").
RSVP_COLUMNS = ("rsvp_status", "rsvp_notes", "rsvp_waitlisted", "rsvp_waitlist_position", "rsvp_updated_at")

EVENT = ModelShape(
    Event,
    [
        "id",
        "club",
        *EDITABLE_FIELDS,
        "status",
        "cancel_reason",
        "created_by",
        "attendees",
        Computed(
            "attendee_count",
            schema=serializers.IntegerField(),
            write=lambda row, context: len(row.attendees),
            of_instance=lambda event: len(event.attendees or []),
        ),
        Computed(
            "waitlist_count",
            schema=serializers.IntegerField(),
            write=lambda row, context: row.waitlist_count,
            # No default: an event without its RSVP state attached is a bug of the caller, not a 0.
            of_instance=lambda event: event.waitlist_count,
            columns=("waitlist_count",),
        ),
        # The caller's RSVP (events.availability's shape, completed by events.serializers) or null.
        Computed("my_availability", columns=RSVP_COLUMNS),
        "created_at",
        "updated_at",
    ],
    name="Event",
)
EventRow = EVENT.Row
