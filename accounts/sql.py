"""SQL of the accounts app: the user of every authenticated request (`selectors.user_get_by_id`)
and the version of a user's sessions (`sessions_version`)."""

from __future__ import annotations

import functools

from accounts.models import RefreshToken, User
from core.sql import SQL, columns, owner_version, table, text


@functools.cache
def user_by_id() -> str:
    """The user with id `%s`, active or not: all columns, in `core.sql.hydrate` order."""
    return text(SQL("SELECT {} FROM {} u WHERE u.id = %s").format(columns(User, "u"), table(User)))


@functools.cache
def sessions_version() -> str:
    """The version of the live sessions of the user `%(owner)s`: the epoch, the stamp of their
    `user.sessions` scope (every refresh-token write) and the earliest moment one of the live
    sessions stops being live (a session leaves the list with time alone, without a write)."""
    expires = SQL(
        "(SELECT min(least(t.expires_at, t.family_expires_at)) FROM {tokens} t WHERE t.user_id = %(owner)s "
        "AND NOT t.is_revoked AND t.used_at IS NULL AND t.expires_at > statement_timestamp() AND t.family_expires_at > statement_timestamp())"
    ).format(tokens=table(RefreshToken))
    return owner_version(("user.sessions",), expires)
