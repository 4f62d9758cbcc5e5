"""SQL of the web app: the session row with its user, read on every page of a signed-in member
(`web.sessions`). Hand-written because the ORM spent longer compiling this `get` with its join
than PostgreSQL spends running it (docs/architecture.md, "SQL")."""

from __future__ import annotations

import functools

from core.sql import SQL, column, columns, table, text
from web.models import WebSession

USER = WebSession._meta.get_field("user").related_model


@functools.cache
def session_with_user() -> str:
    """The unexpired session `%(key)s` (every column, in `hydrate` order) and then every column of
    its user (NULLs when the row names none), or no row."""
    return text(
        SQL(
            "SELECT {session}, {user} FROM {sessions} s LEFT JOIN {users} u ON {uid} = {user_id} "
            "WHERE {key} = %(key)s AND {expires} > %(now)s"
        ).format(
            session=columns(WebSession, "s"),
            user=columns(USER, "u"),
            sessions=table(WebSession),
            users=table(USER),
            uid=column(USER, "id", "u"),
            user_id=column(WebSession, "user", "s"),
            key=column(WebSession, "session_key", "s"),
            expires=column(WebSession, "expire_date", "s"),
        )
    )
