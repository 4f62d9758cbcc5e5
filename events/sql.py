"""SQL of event reads: one event by id, and the event lists (`events.selectors`).

Visibility, membership and role are `clubs.sql`'s fragments; "upcoming" is `core.time`'s rule
written in SQL (`upcoming`). The RSVP state of an event (its waitlist length, the caller's RSVP)
is read from the RSVP table, found through the model's reverse relation (`RSVP`): this module
sits below `events.availability` and may not import it (docs/architecture.md).
"""

from __future__ import annotations

import functools

from accounts.models import CalendarFeed, User
from clubs import sql as clubs_sql
from clubs.models import Club
from core.sql import (
    SQL,
    TRUE,
    Composable,
    Identifier,
    Placeholder,
    columns,
    conjunction,
    order_by,
    stamps_digest,
    table,
    text,
)
from events.models import Event
from events.shapes import EVENT

# The RSVP model (events.availability), through the reverse relation of its foreign key to Event.
RSVP = Event._meta.get_field("availabilities").related_model


def waitlist_count(event_id: Composable) -> Composable:
    """The number of RSVPs waiting for a seat of the event `event_id` (`%(available)s`: the
    `available` status, which every waitlisted RSVP has)."""
    return SQL(
        "(SELECT count(*) FROM {rsvps} w WHERE w.event_id = {event} AND w.status = {available} AND w.waitlisted)"
    ).format(rsvps=table(RSVP), event=event_id, available=Placeholder("available"))


# `core.time`'s "upcoming" in SQL: a coarse date bound for the date index (`%(since)s`,
# `core.time.earliest_upcoming_date`), then the exact start in the club's zone against `%(now)s`.
UPCOMING = SQL('e."event_date" >= %(since)s AND timezone(c."timezone", e."event_date" + e."event_time") >= %(now)s')


# --- one event -------------------------------------------------------------------------------
@functools.cache
def event_get(*, with_rsvp_state: bool, site_admin: bool, with_stamps: bool = False) -> str:
    """One event by id (`%(event)s`) if the caller (`%(user)s`) may see it: the event's columns,
    its club's, and the caller's active club role; with the RSVP state, also its waitlist length,
    whether the caller has an RSVP, and that RSVP's columns (NULL without one); with the stamps,
    last, the event's stamp and the epoch (`clubs.sql.stamp_of`, as `event_version` reads them)."""
    rsvp_columns = rsvp_join = SQL("")
    stamps = SQL("")
    if with_stamps:
        stamps = SQL(", {}, {}").format(clubs_sql.stamp_of(Identifier("e", "id")), clubs_sql.EPOCH)
    if with_rsvp_state:
        rsvp_columns = SQL(", {waitlist}, a.id IS NOT NULL, {columns}").format(
            waitlist=waitlist_count(Identifier("e", "id")), columns=columns(RSVP, "a")
        )
        rsvp_join = SQL("LEFT JOIN {} a ON a.event_id = e.id AND a.user_id = %(user)s").format(table(RSVP))
    return text(
        SQL(
            "SELECT {event}, {club}, {role}{rsvp_columns}{stamps} FROM {events} e JOIN {clubs} c ON c.id = e.club_id "
            "{rsvp_join} WHERE e.id = %(event)s AND {visible}"
        ).format(
            event=columns(Event, "e"),
            club=columns(Club, "c"),
            role=clubs_sql.role_of(Identifier("e", "club_id")),
            rsvp_columns=rsvp_columns,
            stamps=stamps,
            events=table(Event),
            clubs=table(Club),
            rsvp_join=rsvp_join,
            visible=clubs_sql.event_visible("e", "c", site_admin=site_admin),
        )
    )


@functools.cache
def event_version(*, site_admin: bool, with_rsvp: bool, with_club: bool) -> str:
    """One event by id (`%(event)s`) if the caller may see it (`clubs.sql.event_visible`), without
    its body: its club's id, the caller's club role, the event's stamp, the epoch (`clubs.sql`'s
    version stamps), with `with_club` the club's stamp, and with `with_rsvp` the caller's RSVP
    (status, notes, waitlisted, waitlist_position, updated_at; NULL without one)."""
    extra, join = [], SQL("")
    if with_club:
        extra.append(clubs_sql.stamp_of(Identifier("e", "club_id")))
    if with_rsvp:
        extra.extend(Identifier("a", name) for name in ("status", "notes", "waitlisted", "waitlist_position"))
        extra.append(Identifier("a", "updated_at"))
        join = SQL("LEFT JOIN {} a ON a.event_id = e.id AND a.user_id = %(user)s").format(table(RSVP))
    return text(
        SQL(
            "SELECT e.club_id, {role}, {stamp}, {epoch}{extra} FROM {events} e JOIN {clubs} c ON c.id = e.club_id "
            "{join} WHERE e.id = %(event)s AND {visible}"
        ).format(
            role=clubs_sql.role_of(Identifier("e", "club_id")),
            stamp=clubs_sql.stamp_of(Identifier("e", "id")),
            epoch=clubs_sql.EPOCH,
            extra=SQL("").join(SQL(", {}").format(part) for part in extra),
            events=table(Event),
            clubs=table(Club),
            join=join,
            visible=clubs_sql.event_visible("e", "c", site_admin=site_admin),
        )
    )


@functools.cache
def my_rsvps() -> str:
    """The caller's (`%(user)s`) RSVPs to the events `%(events)s` (a uuid[]): event id (text),
    status, notes, waitlisted, waitlist_position, updated_at."""
    return text(
        SQL(
            "SELECT a.event_id::text, a.status, a.notes, a.waitlisted, a.waitlist_position, a.updated_at "
            "FROM {} a WHERE a.user_id = %(user)s AND a.event_id = ANY(%(events)s::uuid[])"
        ).format(table(RSVP))
    )


# --- lists -----------------------------------------------------------------------------------
# What `EventFilterSerializer.ordering` (and the default order with its id tie-break) may name.
EVENT_ORDER_BY = {
    "event_date": Identifier("e", "event_date"),
    "event_time": Identifier("e", "event_time"),
    "created_at": Identifier("e", "created_at"),
    "title": Identifier("e", "title"),
    "id": Identifier("e", "id"),
}
EVENT_DEFAULT_ORDERING = ("event_date", "event_time", "id")
# What a client may name in `?ordering=` (each also with `-`): `EventFilterSerializer`'s choices.
EVENT_ORDERABLE = ("event_date", "created_at", "title")

# The list filters (`EventRows`), each a condition on the event `e` and its club `c`.
EVENT_FILTERS = {
    "club": SQL("e.club_id = %(club)s"),
    "type": SQL('e."type" = %(type)s'),
    "date_from": SQL('e."event_date" >= %(date_from)s'),
    "date_to": SQL('e."event_date" <= %(date_to)s'),
    "upcoming": UPCOMING,
    # `@>` on the array, so the GIN index idx_events_attendees can answer it.
    "attending": SQL('e."attendees" @> ARRAY[%(user)s]::uuid[]'),
    "not_attending": SQL('NOT (e."attendees" @> ARRAY[%(user)s]::uuid[])'),
}


# The columns of an `EventRow`: the Event shape's (events/shapes.py: ids as text and `attendees`
# as text[], so no UUID object is built per value, timestamps as text parsed by the selector),
# then its RSVP state. The caller's RSVP comes from the LEFT JOIN `a` (UNIQUE (event, user): at
# most one row).
def _event_row_columns() -> Composable:
    rsvp = {f"rsvp_{name}": Identifier("a", name) for name in ("status", "notes", "waitlisted", "waitlist_position")}
    return EVENT.select(
        "e",
        {
            "waitlist_count": waitlist_count(Identifier("e", "id")),
            **rsvp,
            "rsvp_updated_at": SQL("{}::text").format(Identifier("a", "updated_at")),
        },
    )


def _event_where(site_admin: bool, member: bool | None, filters: tuple[str, ...]) -> Composable:
    visible = clubs_sql.event_visible("e", "c", site_admin=site_admin, member=member)
    return conjunction([*([] if visible is TRUE else [visible]), *(EVENT_FILTERS[name] for name in filters)])


@functools.cache
def event_where(*, site_admin: bool, member: bool | None, filters: tuple[str, ...]) -> str:
    """The WHERE condition of the list on `events e JOIN clubs c` (for EXPLAIN in tests)."""
    return text(_event_where(site_admin, member, filters))


@functools.cache
def event_rows_count(*, site_admin: bool, member: bool | None, filters: tuple[str, ...]) -> str:
    """COUNT of the events the caller may see, narrowed by `filters` (names of `EVENT_FILTERS`).
    `member`: the caller's membership of the one club the list is of, when known (`clubs.sql`)."""
    return text(
        SQL("SELECT count(*) FROM {} e JOIN {} c ON c.id = e.club_id WHERE {}").format(
            table(Event), table(Club), _event_where(site_admin, member, filters)
        )
    )


@functools.cache
def event_rows_page(
    *, site_admin: bool, member: bool | None, filters: tuple[str, ...], ordering: tuple[str, ...]
) -> str:
    """A page (`%(limit)s`, `%(offset)s`) of those events in `ordering` (terms of `EVENT_ORDER_BY`,
    `-` for descending; an unknown term is a 400), with their RSVP state. The page is cut first and
    only its rows are joined to the caller's RSVPs: joined before the LIMIT, every matching event
    would be (twice the database time on a long list)."""
    ordered = order_by(ordering, EVENT_ORDER_BY)
    return text(
        SQL(
            "SELECT {columns} FROM (SELECT e.* FROM {events} e JOIN {clubs} c ON c.id = e.club_id WHERE {where} "
            "ORDER BY {ordering} LIMIT %(limit)s OFFSET %(offset)s) e "
            "LEFT JOIN {rsvps} a ON a.event_id = e.id AND a.user_id = %(user)s ORDER BY {ordering}"
        ).format(
            columns=_event_row_columns(),
            events=table(Event),
            clubs=table(Club),
            where=_event_where(site_admin, member, filters),
            ordering=ordered,
            rsvps=table(RSVP),
        )
    )


@functools.cache
def event_rows_next_per_club(*, site_admin: bool) -> str:
    """The first `%(per_club)s` upcoming events (date, time, id) of each club in `%(clubs)s` (a
    uuid[]) that the caller may see, with their RSVP state, in date order: one statement for a
    page that shows several clubs' next meetings (each club's rows come from the events index on
    club and date, LIMITed per club)."""
    return text(
        SQL(
            "SELECT {columns} FROM unnest(%(clubs)s::uuid[]) AS k(club_id) CROSS JOIN LATERAL ("
            "SELECT e.* FROM {events} e JOIN {clubs} c ON c.id = e.club_id WHERE e.club_id = k.club_id AND {where} "
            "ORDER BY {ordering} LIMIT %(per_club)s) e "
            "LEFT JOIN {rsvps} a ON a.event_id = e.id AND a.user_id = %(user)s ORDER BY {ordering}"
        ).format(
            columns=_event_row_columns(),
            events=table(Event),
            clubs=table(Club),
            where=_event_where(site_admin, None, ("upcoming",)),
            ordering=order_by(EVENT_DEFAULT_ORDERING, EVENT_ORDER_BY),
            rsvps=table(RSVP),
        )
    )


# --- the calendar feed (events.feed) ----------------------------------------------------------
@functools.cache
def calendar_feed_version(*, every: bool) -> str:
    """The feed of `%(token_hash)s` without building it: the feed's user (active users only) and
    when the address was last rotated, the newest change among the user's RSVPs (NULL with
    `every`: they choose no event then, and the calendar shows none of them), the newest change
    of the feed's events and their clubs, a digest of the (id, updated_at) pairs of those events and
    clubs, and their ids in start order. No row: no such feed.

    The feed's events: those of the clubs where the user is an active member (`clubs.sql`'s
    `active_membership`), dated from `%(since)s` on, that the user answered `available` (seated or
    waitlisted) or `maybe`, or all of them with `every`. Every edit of an event or of its club
    bumps its `updated_at`, so the digest changes whenever the built calendar would.

    Answered events are read first, with their dates, as a materialized set: the user's RSVPs
    (index on the user), then their events by key. A member of busy clubs answers a few of their
    hundreds of events; left to choose, the planner tested every event of the user's clubs for an
    RSVP, or joined the RSVPs once per membership, or hashed every event against the set."""
    if every:
        answered, source, rsvps_changed = SQL(""), table(Event), SQL("NULL::timestamptz")
    else:
        answered = SQL(
            "r AS MATERIALIZED (SELECT e.* FROM f JOIN {rsvps} a ON a.user_id = f.user_id "
            "JOIN {events} e ON e.id = a.event_id "
            "WHERE a.status IN (%(available)s, %(maybe)s) AND e.event_date >= %(since)s), "
        ).format(rsvps=table(RSVP), events=table(Event))
        source = Identifier("r")
        rsvps_changed = SQL("(SELECT max(a.updated_at) FROM {rsvps} a WHERE a.user_id = f.user_id)").format(
            rsvps=table(RSVP)
        )
    return text(
        SQL(
            "WITH f AS (SELECT f.user_id, f.rotated_at FROM {feeds} f JOIN {users} u ON u.id = f.user_id "
            "WHERE f.token_hash = %(token_hash)s AND u.is_active), {answered}"
            "p AS (SELECT e.id, e.event_date, e.event_time, e.updated_at, c.updated_at AS club_updated_at "
            "FROM f CROSS JOIN {source} e JOIN {clubs} c ON c.id = e.club_id "
            "WHERE e.event_date >= %(since)s AND {member}) "
            "SELECT f.user_id, f.rotated_at, {rsvps_changed}, "
            "(SELECT max(GREATEST(p.updated_at, p.club_updated_at)) FROM p), "
            "(SELECT md5(coalesce(string_agg(p.id::text || '/' || p.updated_at::text || '/' "
            "|| p.club_updated_at::text, ',' ORDER BY p.id), '')) FROM p), "
            "(SELECT coalesce(array_agg(p.id ORDER BY p.event_date, p.event_time, p.id), '{{}}') FROM p) "
            "FROM f"
        ).format(
            feeds=table(CalendarFeed),
            users=table(User),
            answered=answered,
            source=source,
            clubs=table(Club),
            member=clubs_sql.active_membership(Identifier("e", "club_id"), Identifier("f", "user_id")),
            rsvps_changed=rsvps_changed,
        )
    )


@functools.cache
def visible_events_version(*, site_admin: bool) -> str:
    """The epoch and a digest of `<club id>:<club stamp>:<events version>` of every club the
    caller (`%(user)s`) may see, in id order: the version of the lists of events across clubs
    (`EventRows` without a club). Exact: a club that appears, goes or changes, or any change of
    one of its events (`clubs_sql.club_events_version`), gives another digest."""
    club_id = Identifier("c", "id")
    stamps = stamps_digest(
        SQL("c.id::text || ':' || {}::text || ':' || {}").format(
            clubs_sql.stamp_of(club_id), clubs_sql.club_events_version(club_id)
        ),
        SQL("{} c WHERE {}").format(table(Club), clubs_sql.club_visible("c", site_admin=site_admin)),
    )
    return text(SQL("SELECT {}, {}").format(clubs_sql.EPOCH, stamps))
