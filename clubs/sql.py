"""SQL of clubs and memberships, and THE definition of visibility, membership and role.

Every read of the project that needs "is the caller an active member", "the caller's role",
"how many active members" or "may the caller see this club / this event" composes the fragments
below (psycopg.sql, core/sql.py); there is no other copy, in SQL, in the ORM or in Python:

- `active_membership(club_id)`: EXISTS an ACTIVE membership of the caller (`%(user)s`) in the club;
- `role_of(club_id)`: the caller's active role in the club, or NULL (UNIQUE (club, user): one row at most);
- `active_member_count(club_id)`: the club's active memberships;
- `club_visible(club)`: public clubs and clubs where the caller is an active member;
- `event_visible(event, club)`: events of clubs where the caller is an active member, and the public
  events of public clubs.

It also reads the version stamps of cached representations (`stamp_of`, `EPOCH` from core/sql.py,
`club_events_version`; the `cache_stamps` table kept by the triggers of
clubs/migrations/0007_cache_stamps.py and docs/architecture.md, "Versions, ETags and cached
representations").

Site admins see everything: the visibility fragments take `site_admin` (True: no condition). When
the caller's membership is already known (a club-scoped list starts from the club's row with the
caller's role), `member` short-cuts the EXISTS: True (a member sees all), False (only what is
public). `clubs.permissions.ClubAccess` then decides the caller's abilities from the role that
these reads return.
"""

from __future__ import annotations

import functools

from clubs.models import Club, ClubMember
from clubs.shapes import CLUB, MEMBER
from core.migration_sql import EPOCH_SCOPE
from core.sql import (
    EPOCH,
    SQL,
    STAMPS,
    TRUE,
    Composable,
    Identifier,
    Literal,
    Placeholder,
    column,
    columns,
    conjunction,
    derived_stamp,
    order_by,
    stamp_of,
    table,
    text,
)

USER = Placeholder("user")
_M = "m"  # the alias of club_members inside the fragments' own subqueries


def active_members(club_id: Composable) -> Composable:
    """`FROM club_members m WHERE <m is an active membership of the club club_id>`: the rows the
    other fragments count or test (`m` may be narrowed further with AND)."""
    return SQL("FROM {members} m WHERE {club} = {club_id} AND {active}").format(
        members=table(ClubMember),
        club=column(ClubMember, "club", _M),
        club_id=club_id,
        active=column(ClubMember, "is_active", _M),
    )


def membership_of(club_id: Composable, user: Composable = USER) -> Composable:
    """`active_members(club_id)` narrowed to `user`'s row (UNIQUE (club, user): one at most)."""
    return SQL("{} AND {} = {}").format(active_members(club_id), column(ClubMember, "user", _M), user)


def active_membership(club_id: Composable, user: Composable = USER) -> Composable:
    """EXISTS: `user` is an active member of the club whose id is `club_id` (an SQL expression)."""
    return SQL("EXISTS (SELECT 1 {})").format(membership_of(club_id, user))


def role_of(club_id: Composable, user: Composable = USER) -> Composable:
    """The active role of `user` in the club `club_id`, or NULL."""
    return SQL("(SELECT {role} {membership})").format(
        role=column(ClubMember, "role", _M), membership=membership_of(club_id, user)
    )


def active_member_count(club_id: Composable) -> Composable:
    """The number of active memberships of the club `club_id`."""
    return SQL("(SELECT count(*) {})").format(active_members(club_id))


def club_visible(club: str = "c", *, site_admin: bool, member: bool | None = None) -> Composable:
    """The clubs the caller may see: public ones and those where they are an active member."""
    if site_admin or member:
        return TRUE
    public = column(Club, "is_public", club)
    if member is False:
        return public
    return SQL("({} OR {})").format(public, active_membership(column(Club, "id", club)))


def event_visible(
    event: str = "e", club: str = "c", *, site_admin: bool, member: bool | None = None, user: Composable = USER
) -> Composable:
    """The events the caller (`user`, the `%(user)s` parameter unless another expression is given)
    may see: every event of a club where they are an active member, and the public events of
    public clubs. `event` and `club` are the aliases of the event's row and of its club's row."""
    if site_admin or member:
        return TRUE
    public = SQL("({} AND {})").format(column(Club, "is_public", club), Identifier(event, "is_public"))
    if member is False:
        return public
    return SQL("({} OR {})").format(active_membership(Identifier(event, "club_id"), user), public)


# --- version stamps ----------------------------------------------------------------------------
def club_events_version(club_id: Composable) -> Composable:
    """The version of the club's events as text: `<count>.<sum>` of the stamps of its events'
    scopes (index cache_stamps_club_stamp). Paired with the club's own stamp it identifies the
    content of every event list of the club:

    - while the club's stamp is unchanged, the set of the club's event rows is fixed (an event's
      insertion, deletion or move to another club bumps the club's stamp, events' trigger);
    - any committed change of one of those events, of its RSVPs or of its items gives that
      event's scope a new stamp drawn from the sequence after the scope's row lock was taken, so
      strictly greater than its previous stamp: the sum over a fixed set strictly increases and
      no later state can read as an earlier version. (max() would not do: stamps are drawn
      before commit, so commits can land out of stamp order and a change can hide below the max.)"""
    return SQL(
        "(SELECT count(*)::text || '.' || coalesce(sum(s.stamp), 0)::text FROM {} s WHERE s.club_id = {})"
    ).format(STAMPS, club_id)


@functools.cache
def epoch_renew() -> str:
    """A new random epoch (`EPOCH`): after data was replaced wholesale (a restore, a bulk load with
    triggers off), no key from before can be met again, whatever stamps come back."""
    return text(
        SQL(
            "INSERT INTO {stamps} (scope_id, club_id, stamp, xid) VALUES ({epoch}::uuid, NULL, "
            "(random() * 9e18)::bigint, pg_current_xact_id()) ON CONFLICT (scope_id) DO UPDATE SET stamp = EXCLUDED.stamp"
        ).format(stamps=STAMPS, epoch=Literal(EPOCH_SCOPE))
    )


@functools.cache
def stamps_forget() -> str:
    """Every stamp row but the epoch's (a bulk reload: the rows of truncated entities go)."""
    return text(SQL("DELETE FROM {} WHERE scope_id <> {}::uuid").format(STAMPS, Literal(EPOCH_SCOPE)))


@functools.cache
def club_version(*, site_admin: bool, with_events: bool, scopes: tuple[str, ...] = ()) -> str:
    """One club by id (`%(club)s`) if the caller may see it, without its body: owner id, whether
    public, the caller's role, the club's stamp, the epoch, with `with_events` the version of its
    events (`club_events_version`), then the stamps of the club's derived `scopes` (kinds of
    core.migration_sql.DERIVED_KINDS, e.g. `club.books`)."""
    extra = [club_events_version(Identifier("c", "id"))] if with_events else []
    extra += [derived_stamp(kind, _owner(kind, Identifier("c", "id"))) for kind in scopes]
    events = SQL("").join(SQL(", {}").format(part) for part in extra)
    return text(
        SQL(
            "SELECT {owner}, {public}, {role}, {stamp}, {epoch}{events} FROM {clubs} c WHERE c.id = {club} AND {visible}"
        ).format(
            owner=column(Club, "owner", "c"),
            public=column(Club, "is_public", "c"),
            role=role_of(Identifier("c", "id")),
            stamp=stamp_of(Identifier("c", "id")),
            epoch=EPOCH,
            events=events,
            clubs=table(Club),
            club=Placeholder("club"),
            visible=club_visible("c", site_admin=site_admin),
        )
    )


def _owner(kind: str, club: Composable) -> Composable:
    """The owner of a derived scope of a club: the club, or the site's (`site.*` kinds)."""
    return SQL("{}::uuid").format(Literal(EPOCH_SCOPE)) if kind.startswith("site.") else club


# --- statements ------------------------------------------------------------------------------
@functools.cache
def club_with_role(*, site_admin: bool) -> str:
    """One club by id (`%(club)s`) if the caller may see it, with the caller's role after its columns."""
    return text(
        SQL("SELECT {columns}, {role} FROM {clubs} c WHERE c.id = {club} AND {visible}").format(
            columns=columns(Club, "c"),
            role=role_of(Identifier("c", "id")),
            clubs=table(Club),
            club=Placeholder("club"),
            visible=club_visible("c", site_admin=site_admin),
        )
    )


@functools.cache
def caller_role() -> str:
    """The caller's (`%(user)s`) active role in the club `%(club)s`, or NULL."""
    return text(SQL("SELECT {}").format(role_of(Placeholder("club"))))


@functools.cache
def member_count() -> str:
    """The number of active members of the club `%(club)s`."""
    return text(SQL("SELECT {}").format(active_member_count(Placeholder("club"))))


@functools.cache
def is_member() -> str:
    """Whether `%(user)s` is an active member of the club `%(club)s`."""
    return text(SQL("SELECT {}").format(active_membership(Placeholder("club"))))


# What a client may name in `?ordering=` (`ClubViewSet.ordering_fields`), and their SQL (with the
# id tie-break).
CLUB_ORDERABLE = ("name", "created_at", "member_count")
CLUB_ORDER_BY = {
    "name": Identifier("c", "name"),
    "created_at": Identifier("c", "created_at"),
    "member_count": Identifier("member_count"),
    "id": Identifier("c", "id"),
}

# The club list's filters (`ClubRows`), each a condition on the club row `c`.
CLUB_FILTERS = {
    "club_id": SQL("c.id = {}").format(Placeholder("club")),
    # Django's `icontains` on PostgreSQL, so both read the same rows.
    "search": SQL(
        "(UPPER({name}::text) LIKE UPPER({search}) OR UPPER({description}::text) LIKE UPPER({search}))"
    ).format(
        name=column(Club, "name", "c"), description=column(Club, "description", "c"), search=Placeholder("search")
    ),
    "tags": SQL("{} && {}::text[]").format(column(Club, "tags", "c"), Placeholder("tags")),
    "is_public": SQL("{} = {}").format(column(Club, "is_public", "c"), Placeholder("is_public")),
    "member_only": active_membership(Identifier("c", "id")),
}


def _club_where(site_admin: bool, filters: tuple[str, ...]) -> Composable:
    visible = club_visible("c", site_admin=site_admin)
    return conjunction([*([] if visible is TRUE else [visible]), *(CLUB_FILTERS[name] for name in filters)])


@functools.cache
def club_rows_count(*, site_admin: bool, filters: tuple[str, ...]) -> str:
    """COUNT of the clubs the caller may see, narrowed by `filters` (names of `CLUB_FILTERS`)."""
    return text(SQL("SELECT count(*) FROM {} c WHERE {}").format(table(Club), _club_where(site_admin, filters)))


@functools.cache
def club_rows_page(
    *, site_admin: bool, filters: tuple[str, ...], ordering: tuple[str, ...], stamped: bool = False
) -> str:
    """A page (`%(limit)s`, `%(offset)s`) of those clubs in `ordering` (terms of `CLUB_ORDER_BY`, `-`
    for descending; an unknown term is a 400): the Club shape's row (clubs/shapes.py), then with
    `stamped` the club's stamp and the epoch (a list's version read with its page: a club's stamp
    moves with its row, its memberships and its members' names, all the row shows)."""
    extra = SQL(", {}, {}").format(stamp_of(Identifier("c", "id")), EPOCH) if stamped else SQL("")
    return text(
        SQL(
            "SELECT {columns}{extra} FROM {clubs} c WHERE {where} ORDER BY {ordering} LIMIT %(limit)s OFFSET %(offset)s"
        ).format(
            extra=extra,
            columns=CLUB.select(
                "c",
                {
                    "member_count": SQL("{} AS member_count").format(active_member_count(Identifier("c", "id"))),
                    "my_role": SQL("{} AS my_role").format(role_of(Identifier("c", "id"))),
                },
            ),
            clubs=table(Club),
            where=_club_where(site_admin, filters),
            ordering=order_by(ordering, CLUB_ORDER_BY),
        )
    )


# --- the member list -------------------------------------------------------------------------
# What a client may name in `?ordering=` (`ClubMemberViewSet.ordering_fields`), and their SQL
# (with the id tie-break); the names are the ORM's, as DRF's OrderingFilter hands them over.
MEMBER_ORDER_BY = {
    "joined_date": Identifier("m", "joined_date"),
    "books_read": Identifier("m", "books_read"),
    "user__name": Identifier("u", "name"),
    "id": Identifier("m", "id"),
}
_USER = ClubMember._meta.get_field("user").related_model


def _members(*, active: bool, role: bool) -> Composable:
    """`FROM club_members m WHERE ...`: the club's (`%(club)s`) active memberships
    (`active_members`), or its former ones; of the role `%(role)s` only when `role`."""
    if active:
        source = active_members(Placeholder("club"))
    else:
        source = SQL("FROM {members} m WHERE {club} = {club_id} AND NOT {active}").format(
            members=table(ClubMember),
            club=column(ClubMember, "club", _M),
            club_id=Placeholder("club"),
            active=column(ClubMember, "is_active", _M),
        )
    if role:
        source = SQL("{} AND {} = {}").format(source, column(ClubMember, "role", _M), Placeholder("role"))
    return source


@functools.cache
def member_rows_count(*, active: bool, role: bool) -> str:
    """COUNT of the memberships `member_rows_page` pages through."""
    return text(SQL("SELECT count(*) {}").format(_members(active=active, role=role)))


@functools.cache
def member_rows_page(*, active: bool, role: bool, ordering: tuple[str, ...]) -> str:
    """A page (`%(limit)s`, `%(offset)s`) of the club's memberships (see `_members`) with their
    users, in `ordering` (terms of `MEMBER_ORDER_BY`, `-` for descending): the `MEMBER` shape's
    row (clubs/shapes.py)."""
    user = {
        name: SQL("{} AS {}").format(cast, Identifier(name))
        for name, cast in {
            "user_id": SQL("{}::text").format(column(_USER, "id", "u")),
            "user_name": column(_USER, "name", "u"),
            "user_avatar": column(_USER, "avatar", "u"),
            "user_email": column(_USER, "email", "u"),
            "user_phone": column(_USER, "phone", "u"),
        }.items()
    }
    # Ordered by the membership's own columns, the page is cut before the join (a top-N sort of
    # the club's memberships, then a primary-key lookup per row), not after joining every user.
    by_user = any(term.lstrip("-") == "user__name" for term in ordering)
    statement = (
        "SELECT {columns} FROM (SELECT m.* {members}) m JOIN {users} u ON {uid} = {member_user} "
        "ORDER BY {ordering} LIMIT %(limit)s OFFSET %(offset)s"
        if by_user
        else "SELECT {columns} FROM (SELECT m.* {members} ORDER BY {ordering} LIMIT %(limit)s OFFSET %(offset)s) m "
        "JOIN {users} u ON {uid} = {member_user} ORDER BY {ordering}"
    )
    return text(
        SQL(statement).format(
            columns=MEMBER.select("m", user),
            members=_members(active=active, role=role),
            users=table(_USER),
            uid=column(_USER, "id", "u"),
            member_user=column(ClubMember, "user", "m"),
            ordering=order_by(ordering, MEMBER_ORDER_BY),
        )
    )
