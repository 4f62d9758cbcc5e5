"""SQL of event items: the items of an event with their assignees, for the web app's meeting page
(hand-written: the ORM spent several times longer compiling this `select_related` read than
PostgreSQL spends running it; docs/architecture.md, "SQL")."""

from __future__ import annotations

import functools

from core.sql import SQL, column, columns, table, text
from events.items.models import EventItem

USER = EventItem._meta.get_field("assigned_to").related_model


@functools.cache
def items_with_assignees() -> str:
    """The items of event `%(event)s` oldest first (every column, in `hydrate` order), each
    followed by every column of its assignee (NULLs when nobody is assigned)."""
    return text(
        SQL(
            "SELECT {item}, {user} FROM {items} i LEFT JOIN {users} u ON {uid} = {assignee} "
            "WHERE {event} = %(event)s ORDER BY {created_at}, {id}"
        ).format(
            item=columns(EventItem, "i"),
            user=columns(USER, "u"),
            items=table(EventItem),
            users=table(USER),
            uid=column(USER, "id", "u"),
            assignee=column(EventItem, "assigned_to", "i"),
            event=column(EventItem, "event", "i"),
            created_at=column(EventItem, "created_at", "i"),
            id=column(EventItem, "id", "i"),
        )
    )
