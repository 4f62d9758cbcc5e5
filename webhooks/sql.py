"""The webhooks' SQL asked on every change that may be announced (each event write, RSVP and
membership change): which active hooks of a club take a type. Written once as text, since the
ORM spent more CPU compiling this lookup than PostgreSQL spends answering it from the club index.
`subscribed_hooks_of` is the one definition; the RSVP write reads it inside the statement that
locks the event (events.availability.sql.event_lock_with_hooks), one round trip fewer per RSVP.
"""

from __future__ import annotations

import functools

from core.sql import SQL, Composable, Identifier, table, text
from webhooks.models import Webhook


def subscribed_hooks_of(club_id: Composable, type: Composable) -> Composable:
    """An array expression: the ids of the active hooks of the club `club_id` subscribed to the
    event type `type` (SQL expressions, e.g. a column and a placeholder); empty when none."""
    return SQL(
        "ARRAY(SELECT w.{id} FROM {hooks} w WHERE w.{club} = {club_id} AND w.{active} "
        "AND w.{events} @> ARRAY[{type}]::varchar[])"
    ).format(
        id=Identifier("id"),
        hooks=table(Webhook),
        club=Identifier("club_id"),
        club_id=club_id,
        active=Identifier("active"),
        events=Identifier("events"),
        type=type,
    )


@functools.cache
def subscribed_hooks() -> str:
    """One row: the array of the ids of the active hooks of `%(club)s` subscribed to `%(type)s`."""
    return text(SQL("SELECT {}").format(subscribed_hooks_of(SQL("%(club)s"), SQL("%(type)s"))))
