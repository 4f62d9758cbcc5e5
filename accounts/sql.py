"""SQL of the accounts app: the user of every authenticated request (`selectors.user_get_by_id`)."""

from __future__ import annotations

import functools

from accounts.models import User
from core.sql import SQL, columns, table, text


@functools.cache
def user_by_id() -> str:
    """The user with id `%s`, active or not: all columns, in `core.sql.hydrate` order."""
    return text(SQL("SELECT {} FROM {} u WHERE u.id = %s").format(columns(User, "u"), table(User)))
