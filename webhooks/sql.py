"""The webhooks' SQL asked on every change that may be announced (each event write, RSVP and
membership change): which active hooks of a club take a type. Written once as text, since the
ORM spent more CPU compiling this lookup than PostgreSQL spends answering it from the club index.
"""

from __future__ import annotations

import functools

from core.sql import SQL, Identifier, table, text
from webhooks.models import Webhook


@functools.cache
def subscribed_hooks() -> str:
    """The ids of the active hooks of `%(club)s` subscribed to `%(type)s`."""
    return text(
        SQL(
            "SELECT {id} FROM {hooks} WHERE {club} = %(club)s AND {active} AND {events} @> ARRAY[%(type)s]::varchar[]"
        ).format(
            id=Identifier("id"),
            hooks=table(Webhook),
            club=Identifier("club_id"),
            active=Identifier("active"),
            events=Identifier("events"),
        )
    )
