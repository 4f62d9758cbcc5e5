"""Reads of clubs and memberships, always scoped to what the caller may see.

A club the caller may not see is indistinguishable from one that does not exist: the getters
raise `Http404` for both, and for a malformed id.
"""

from __future__ import annotations

import functools
import uuid
from collections import namedtuple

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from clubs.models import Club, ClubMember
from clubs.permissions import ClubAccess, is_site_admin
from core.sql import PagedSql, columns, hydrate, order_by, table


def parse_uuid(value) -> uuid.UUID:
    """A UUID from a path or query value; a malformed one is a 404, like an unknown id."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None


def active_memberships(user) -> QuerySet[ClubMember]:
    return ClubMember.objects.filter(user=user, is_active=True)


def clubs_visible_to(user) -> QuerySet[Club]:
    """Public clubs and clubs where `user` is an active member; every club for site admins."""
    if is_site_admin(user):
        return Club.objects.all()
    member_of = ClubMember.objects.filter(club=OuterRef("pk"), user=user, is_active=True)
    return Club.objects.filter(Q(is_public=True) | Exists(member_of))


def club_get_visible(*, user, club_id) -> Club:
    """The club with `club_id` if `user` may see it, else Http404."""
    club = clubs_visible_to(user).filter(pk=parse_uuid(club_id)).first()
    if club is None:
        raise Http404
    return club


@functools.cache
def _club_with_role_sql() -> str:
    # UNIQUE (club, user): the role subquery has at most one row.
    return f"""
        SELECT {columns(Club, "c")},
               (SELECT m.role FROM {table(ClubMember)} m
                 WHERE m.club_id = c.id AND m.user_id = %(user)s AND m.is_active)
        FROM {table(Club)} c WHERE c.id = %(club)s
    """  # noqa: S608


def club_get_visible_with_access(*, user, club_id) -> tuple[Club, ClubAccess]:
    """Like `club_get_visible`, plus the caller's `ClubAccess`, in one primary-key query written
    in SQL (core/sql.py: every club-scoped list of events starts here). Visibility is
    decided by `ClubAccess.can_view`, the same rule `clubs_visible_to` writes in SQL."""
    params = {"club": parse_uuid(club_id), "user": getattr(user, "pk", None)}
    with connection.cursor() as cursor:
        cursor.execute(_club_with_role_sql(), params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    club, end = hydrate(Club, row)
    access = club_access(user=user, club=club, role=row[end])
    if not access.can_view():
        raise Http404
    return club, access


def club_role_of(*, user, club: Club) -> str | None:
    """The ACTIVE club role of `user` in `club`, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return ClubMember.objects.filter(club=club, user=user, is_active=True).values_list("role", flat=True).first()


def club_access(*, user, club: Club, role: str | None | type[...] = ...) -> ClubAccess:
    """What `user` may do in `club`. Pass `role` when it is already known (e.g. annotated)."""
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


def clubs_with_member_stats(queryset: QuerySet[Club], *, user) -> QuerySet[Club]:
    """Annotate `member_count` (active members) and `my_role` (the caller's active role or None).

    Both are correlated subqueries, so a page of clubs costs one query whatever its size.
    """
    active_count = (
        ClubMember.objects.filter(club=OuterRef("pk"), is_active=True)
        .order_by()
        .values("club")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # UNIQUE (club, user): at most one row, so no ordering is needed.
    my_role = ClubMember.objects.filter(club=OuterRef("pk"), user=user, is_active=True).order_by().values("role")[:1]
    return queryset.annotate(
        member_count=Coalesce(Subquery(active_count, output_field=IntegerField()), 0),
        my_role=Subquery(my_role),
    )


def clubs_list(*, user) -> QuerySet[Club]:
    """Clubs `user` may see, with `member_count` and `my_role`; filtering and ordering are the caller's."""
    return clubs_with_member_stats(clubs_visible_to(user), user=user)


def club_get_detail(*, user, club_id) -> ClubRow:
    """Like `club_get_visible`, with the annotations of `clubs_list`, as a `ClubRow` (one query)."""
    clubs = ClubRows(user=user, club_id=parse_uuid(club_id))[0:1]
    if not clubs:
        raise Http404
    return clubs[0]


# The club list and detail are hot reads written in SQL (as in events.selectors): the ORM spent
# about 3 ms of CPU per request building and compiling the visibility, `member_count` and
# `my_role` subqueries of `clubs_list`, the database well under 1 ms running them. `ClubRows` is
# the same read as `clubs_list` plus `ClubFilter` (tests/clubs/test_club_rows.py holds them equal).
# Only model metadata is interpolated into the SQL (hence the S608 exemptions); every value is a
# query parameter.
_CLUBS = table(Club)
_MEMBERS = table(ClubMember)
_ACTIVE_MEMBERSHIP = f"SELECT 1 FROM {_MEMBERS} m WHERE m.club_id = c.id AND m.user_id = %(user)s AND m.is_active"  # noqa: S608
# What `ClubViewSet.ordering_fields` (and the id tie-break) may name, as SQL.
_ORDER_BY = {"name": 'c."name"', "created_at": 'c."created_at"', "member_count": "member_count", "id": "c.id"}
# UNIQUE (club, user): the `my_role` subquery has at most one row.
_ROW_COLUMNS = f"""{columns(Club, "c")},
    (SELECT count(*) FROM {_MEMBERS} m WHERE m.club_id = c.id AND m.is_active) AS member_count,
    (SELECT m.role FROM {_MEMBERS} m WHERE m.club_id = c.id AND m.user_id = %(user)s AND m.is_active) AS my_role"""  # noqa: S608

# A club as the list and detail render it: the columns of `Club` by attribute name (`owner_id`),
# then `member_count` and `my_role`. A tuple rather than a model instance, whose construction
# cost more than the rest of a long page.
ClubRow = namedtuple("ClubRow", [*(field.attname for field in Club._meta.concrete_fields), "member_count", "my_role"])


class ClubRows(PagedSql):
    """The clubs `user` may see (the rule of `clubs_visible_to`), narrowed by the filters of
    `ClubFilter` and ordered by `ordering` (terms of `_ORDER_BY`, `-` for descending), as Django's
    `Paginator` wants its object list: `count()` is one COUNT query, a slice is one query for those
    rows, returned as `ClubRow`s (`member_count` and `my_role` as `clubs_list` annotates them).

    `search`: case-insensitive substring of the name or the description; `tags`: clubs having any
    of them; `is_public`: that visibility only; `member_only`: clubs where `user` is an active
    member; `club_id`: that club only. None (or empty, or False) means no such filter."""

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
    ):
        conditions = []
        self.params = {"user": user.pk}
        if not is_site_admin(user):
            conditions.append(f"(c.is_public OR EXISTS ({_ACTIVE_MEMBERSHIP}))")
        if club_id is not None:
            conditions.append("c.id = %(club)s")
            self.params["club"] = club_id
        if search:
            # Django's `icontains` on PostgreSQL, so that both read the same rows.
            conditions.append(
                '(UPPER(c."name"::text) LIKE UPPER(%(search)s) OR UPPER(c."description"::text) LIKE UPPER(%(search)s))'
            )
            self.params["search"] = f"%{connection.ops.prep_for_like_query(search)}%"
        if tags:
            conditions.append('c."tags" && %(tags)s::text[]')
            self.params["tags"] = list(tags)
        if is_public is not None:
            conditions.append("c.is_public = %(is_public)s")
            self.params["is_public"] = is_public
        if member_only:
            conditions.append(f"EXISTS ({_ACTIVE_MEMBERSHIP})")
        self.where = " AND ".join(conditions) or "TRUE"
        self.order_by = order_by(ordering, _ORDER_BY)

    def count_sql(self) -> str:
        return f"SELECT count(*) FROM {_CLUBS} c WHERE {self.where}"  # noqa: S608

    def page_sql(self) -> str:
        return f"""
            SELECT {_ROW_COLUMNS} FROM {_CLUBS} c WHERE {self.where}
            ORDER BY {self.order_by} LIMIT %(limit)s OFFSET %(offset)s
        """  # noqa: S608

    def row(self, values: tuple) -> ClubRow:
        return ClubRow._make(values)


def club_members_list(*, club: Club) -> QuerySet[ClubMember]:
    """Every membership row of `club` (active and former), with the user loaded in the same query."""
    return ClubMember.objects.filter(club=club).select_related("user")


def club_member_get(*, club: Club, user_id) -> ClubMember:
    """The membership of `user_id` in THIS club (active or not); Http404 otherwise or when malformed."""
    member = club_members_list(club=club).filter(user_id=parse_uuid(user_id)).first()
    if member is None:
        raise Http404
    return member
