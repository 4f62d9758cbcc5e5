"""SQL of invitations and join requests: the versions their reads are tagged with
(docs/architecture.md, "Versions, ETags and cached representations")."""

from __future__ import annotations

import functools

from clubs import sql as clubs_sql
from core.sql import SQL, Placeholder, derived_stamp, owner_version, text


@functools.cache
def my_join_requests_version() -> str:
    """The epoch and the stamp of the `user.joins` scope of the user `%(owner)s`."""
    return owner_version(("user.joins",))


@functools.cache
def invite_club_version() -> str:
    """The epoch, the stamp of the club `%(club)s` and of its `club.joins` scope, without a
    visibility rule: for the holder of a usable invite, who may not see the club otherwise."""
    club = Placeholder("club")
    return text(
        SQL("SELECT {}, {}, {}").format(clubs_sql.EPOCH, clubs_sql.stamp_of(club), derived_stamp("club.joins", club))
    )
