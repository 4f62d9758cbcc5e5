"""Reads of clubs and memberships, always scoped to what the caller may see.

A club the caller may not see is indistinguishable from one that does not exist: the getters
raise `Http404` for both, and for a malformed id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from clubs import sql
from clubs.models import Club, ClubMember
from clubs.permissions import ClubAccess, is_site_admin
from clubs.shapes import MEMBER, ClubRow
from core.sql import PagedSql, hydrate


def parse_uuid(value) -> uuid.UUID:
    """A UUID from a path or query value; a malformed one is a 404, like an unknown id."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None


def club_get_visible_with_access(*, user, club_id) -> tuple[Club, ClubAccess]:
    """The club with `club_id` if `user` may see it (`clubs.sql.club_visible`), and the caller's
    `ClubAccess`, in one primary-key query; Http404 for an unknown, malformed or hidden id."""
    params = {"club": parse_uuid(club_id), "user": getattr(user, "pk", None)}
    site_admin = is_site_admin(user)
    with connection.cursor() as cursor:
        cursor.execute(sql.club_with_role(site_admin=site_admin), params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    club, end = hydrate(Club, row)
    return club, club_access(user=user, club=club, role=row[end])


@dataclass(frozen=True)
class ClubVersion:
    """What a conditional read of a club (or of its event lists) needs before any body: the
    caller's access (with their role), the club's stamp, the epoch and, when asked, the version
    of its events (`clubs.sql.club_events_version`) and the stamps of its derived scopes."""

    club_id: uuid.UUID
    access: ClubAccess
    stamp: int
    epoch: int
    events: str | None = None
    scopes: tuple = ()

    @property
    def club(self) -> Club:
        """The club as far as the version read it (id, owner, public): enough for the selectors
        that take a club the caller may see."""
        return Club(id=self.club_id, owner_id=self.access.owner_id, is_public=self.access.club_is_public)

    @property
    def parts(self) -> tuple:
        """What of the version an ETag is made of: the stamps and the caller's club role."""
        return (self.epoch, self.stamp, self.events, self.scopes, self.access.role)


def club_version(*, user, club_id, with_events: bool = False, scopes: tuple[str, ...] = ()) -> ClubVersion:
    """The `ClubVersion` of the club `club_id` if `user` may see it, in one query; Http404 for an
    unknown, malformed or hidden id (as `club_get_visible_with_access`). `scopes`: the kinds of
    the club's derived scopes to read too (`ClubVersion.scopes`, in that order)."""
    params = {"club": parse_uuid(club_id), "user": getattr(user, "pk", None)}
    statement = sql.club_version(site_admin=is_site_admin(user), with_events=with_events, scopes=scopes)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    owner_id, is_public, role, stamp, epoch, *rest = row
    club = Club(id=params["club"], owner_id=owner_id, is_public=is_public)
    access = club_access(user=user, club=club, role=role)
    events = rest.pop(0) if with_events else None
    return ClubVersion(params["club"], access, stamp, epoch, events, tuple(rest))


def club_get_visible(*, user, club_id) -> Club:
    """The club with `club_id` if `user` may see it, else Http404."""
    return club_get_visible_with_access(user=user, club_id=club_id)[0]


def club_role_of(*, user, club: Club) -> str | None:
    """The ACTIVE club role of `user` in `club`, or None (`clubs.sql.role_of`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql.caller_role(), {"club": club.pk, "user": user.pk})
        return cursor.fetchone()[0]


def club_active_member_count(*, club_id) -> int:
    """The number of active members of the club `club_id` (`clubs.sql.active_member_count`)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.member_count(), {"club": club_id})
        return cursor.fetchone()[0]


def is_active_member(*, user_id, club_id) -> bool:
    """Whether `user_id` is an active member of the club `club_id` (`clubs.sql.active_membership`)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.is_member(), {"club": club_id, "user": user_id})
        return cursor.fetchone()[0]


def club_access(*, user, club: Club, role: str | None | type[...] = ...) -> ClubAccess:
    """What `user` may do in `club`. Pass `role` when it is already known (read with the club)."""
    if role is ...:
        role = club_role_of(user=user, club=club)
    return ClubAccess(
        user_id=getattr(user, "pk", None),
        club_id=club.pk,
        owner_id=club.owner_id,
        club_is_public=club.is_public,
        role=role,
        site_admin=is_site_admin(user),
    )


def club_get_detail(*, user, club_id) -> ClubRow:
    """A visible club as the list renders it, as a `ClubRow` (one query); Http404 otherwise."""
    clubs = ClubRows(user=user, club_id=parse_uuid(club_id))[0:1]
    if not clubs:
        raise Http404
    return clubs[0]


class ClubRows(PagedSql):
    """The clubs `user` may see, narrowed by the filters of `ClubFilter` and ordered by `ordering`
    (terms of `clubs.sql.CLUB_ORDER_BY`, `-` for descending; an unknown one is a 400), as Django's
    `Paginator` wants its object list: `count()` is one COUNT query, a slice is one query for those
    rows, returned as `ClubRow`s with `member_count` (active members) and `my_role` (the caller's
    active role or None). The SQL is `clubs.sql`'s.

    `search`: case-insensitive substring of the name or the description; `tags`: clubs having any
    of them; `is_public`: that visibility only; `member_only`: clubs where `user` is an active
    member; `club_id`: that club only. None (or empty, or False) means no such filter.

    `stamped`: each page's rows are read with their club's stamp and the epoch, and `version`
    holds what the fetched rows are a function of (a list's ETag: `ClubViewSet.list`)."""

    def __init__(
        self,
        *,
        user,
        search: str | None = None,
        tags: list[str] | None = None,
        is_public: bool | None = None,
        member_only: bool = False,
        club_id: uuid.UUID | None = None,
        ordering: tuple[str, ...] | list[str] = ("name", "id"),
        stamped: bool = False,
    ):
        filters, self.stamped, self.version = [], stamped, []
        self.params = {"user": user.pk}
        if club_id is not None:
            filters.append("club_id")
            self.params["club"] = club_id
        if search:
            filters.append("search")
            self.params["search"] = f"%{connection.ops.prep_for_like_query(search)}%"
        if tags:
            filters.append("tags")
            self.params["tags"] = list(tags)
        if is_public is not None:
            filters.append("is_public")
            self.params["is_public"] = is_public
        if member_only:
            filters.append("member_only")
        self.site_admin, self.filters, self.ordering = is_site_admin(user), tuple(filters), tuple(ordering)
        self.page_sql()  # an unknown ordering term is a 400 before anything is counted

    def count_sql(self) -> str:
        return sql.club_rows_count(site_admin=self.site_admin, filters=self.filters)

    def page_sql(self) -> str:
        return sql.club_rows_page(
            site_admin=self.site_admin, filters=self.filters, ordering=self.ordering, stamped=self.stamped
        )

    def row(self, values: tuple) -> ClubRow:
        if not self.stamped:
            return ClubRow._make(values)
        *values, stamp, epoch = values
        row = ClubRow._make(values)
        self.version.append((row.id, stamp, epoch))
        return row


class MemberRows(PagedSql):
    """The memberships of `club` with their users, as the member list pages them: active ones
    unless `is_active` is False (former ones), of `role` only when given, in `ordering` (terms of
    `clubs.sql.MEMBER_ORDER_BY`, `-` for descending; an unknown one is a 400); `MEMBER.Row`s
    (clubs/shapes.py). The SQL is `clubs.sql`'s; the club's visibility is the caller's business
    (the view resolved the club through `club_get_visible_with_access`)."""

    def __init__(
        self,
        *,
        club: Club,
        role: str | None = None,
        is_active: bool | None = None,
        ordering: tuple[str, ...] | list[str] = ("joined_date", "id"),
    ):
        self.params = {"club": club.pk}
        if role is not None:
            self.params["role"] = role
        self.active, self.role, self.ordering = is_active is not False, role is not None, tuple(ordering)
        self.page_sql()  # an unknown ordering term is a 400 before anything is counted

    def count_sql(self) -> str:
        return sql.member_rows_count(active=self.active, role=self.role)

    def page_sql(self) -> str:
        return sql.member_rows_page(active=self.active, role=self.role, ordering=self.ordering)

    row = staticmethod(MEMBER.row_parser())


def club_members_list(*, club: Club) -> QuerySet[ClubMember]:
    """Every membership row of `club` (active and former), with the user loaded in the same query."""
    return ClubMember.objects.filter(club=club).select_related("user")


def club_member_get(*, club: Club, user_id) -> ClubMember:
    """The membership of `user_id` in THIS club (active or not); Http404 otherwise or when malformed."""
    member = club_members_list(club=club).filter(user_id=parse_uuid(user_id)).first()
    if member is None:
        raise Http404
    return member
