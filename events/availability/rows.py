"""The RSVP rows as the seat rules of `events.availability.services` read and write them under
the event's lock, in the hand-written statements of `events.availability.sql`: the event's
`available` RSVPs and the caller's own row in one read, and the caller's row written back."""

from __future__ import annotations

import functools

from django.db import connection

from core.sql import hydrate
from events.availability import sql
from events.availability.models import Availability, RsvpStatus
from events.models import Event


class Seat:
    """Another user's `available` RSVP as the seat rules see it: what `_seats_plan` reads and
    changes and `_seats_write` writes, without a model instance per row (an event's RSVP list
    can be long, and only the caller's own row is ever returned)."""

    __slots__ = ("created_at", "id", "user_id", "waitlist_position", "waitlisted")

    def __init__(self, *, id, user_id, waitlisted, waitlist_position, created_at):
        self.id, self.user_id, self.created_at = id, user_id, created_at
        self.waitlisted, self.waitlist_position = waitlisted, waitlist_position

    @property
    def pk(self):
        return self.id


@functools.cache
def seat_columns() -> tuple[int, ...]:
    """Where `Seat`'s values sit in a row selected with `columns(Availability, ...)`."""
    at = {field.attname: index for index, field in enumerate(Availability._meta.concrete_fields)}
    return tuple(at[name] for name in ("id", "user_id", "waitlisted", "waitlist_position", "created_at"))


def upsert_rows(*, event: Event, user) -> tuple[Availability | None, list]:
    """Under the event lock, in one query: `user`'s RSVP to `event` (a model instance, or None)
    and the event's `available` RSVPs in the model's order, the user's own as that instance and
    the others as `Seat`s."""
    id_at, user_at, waitlisted_at, position_at, created_at = seat_columns()
    row, available = None, []
    with connection.cursor() as cursor:
        cursor.execute(sql.upsert_rows(), [event.pk, RsvpStatus.AVAILABLE.value, user.pk])
        for values in cursor.fetchall():
            if values[user_at] == user.pk:
                row, _ = hydrate(Availability, values)
                if row.status == RsvpStatus.AVAILABLE:
                    available.append(row)
            else:
                available.append(
                    Seat(
                        id=values[id_at],
                        user_id=values[user_at],
                        waitlisted=values[waitlisted_at],
                        waitlist_position=values[position_at],
                        created_at=values[created_at],
                    )
                )
    return row, available


def row_insert(row: Availability) -> None:
    """Insert a new row as `save(force_insert=True)` would (no signal receivers exist for it):
    every column given, the instance then marked as stored."""
    with connection.cursor() as cursor:
        cursor.execute(sql.insert(), [getattr(row, field.attname) for field in Availability._meta.concrete_fields])
    row._state.adding = False
    row._state.db = connection.alias


def row_update(row: Availability) -> None:
    """Write the answer and seat of an existing row and read back `updated_at`, which the
    table's BEFORE UPDATE trigger stamps (so `save()` would leave a stale value in memory)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.row_update(), [row.status, row.notes, row.waitlisted, row.waitlist_position, row.pk])
        (row.updated_at,) = cursor.fetchone()
