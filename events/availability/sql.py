"""SQL of RSVPs: the list and summary of an event's RSVPs (`selectors`) and every statement of an
RSVP write (`services`).

The statements of an RSVP write are hand-written: the ORM spent about 0.3-0.5 ms of CPU
compiling each of them, several times what PostgreSQL spends running them, and every RSVP runs
them all. The locks are the ORM's own statements, lock strength included:
`select_for_update(no_key=True)` is FOR NO KEY UPDATE, `select_for_update()` FOR UPDATE; they are
taken in the project's order, user, membership, event (see `services`).
"""

from __future__ import annotations

import functools

from clubs import sql as clubs_sql
from clubs.models import Club, ClubMember
from core.sql import SQL, Identifier, Placeholder, column, columns, db_type, table, text
from events.availability.models import Availability
from events.availability.shapes import RSVP
from events.models import Event
from webhooks import sql as webhooks_sql

A = Availability
USER = A._meta.get_field("user").related_model


# --- reads -----------------------------------------------------------------------------------
@functools.cache
def counts() -> str:
    """Every count of the list page in one statement: seated, waitlisted, maybe, unavailable, the
    number of RSVPs (`total`, what the paginator would otherwise count; the CHECK constraints make
    it the sum of the four, since a waitlisted row is always `available`) and `no_response`, the
    club's active members without an RSVP."""
    status, waitlisted = column(A, "status", "a"), column(A, "waitlisted", "a")
    return text(
        SQL(
            "SELECT count(*) FILTER (WHERE {status} = %(available)s AND NOT {waitlisted}), "
            "count(*) FILTER (WHERE {status} = %(available)s AND {waitlisted}), "
            "count(*) FILTER (WHERE {status} = %(maybe)s), "
            "count(*) FILTER (WHERE {status} = %(unavailable)s), "
            "count(*), "
            "(SELECT count(*) {members} "
            "AND NOT EXISTS (SELECT 1 FROM {rsvps} r WHERE {r_event} = %(event)s AND {r_user} = {member_user})) "
            "FROM {rsvps} a WHERE {event} = %(event)s"
        ).format(
            status=status,
            waitlisted=waitlisted,
            members=clubs_sql.active_members(Placeholder("club")),
            member_user=column(ClubMember, "user", "m"),
            rsvps=table(A),
            r_event=column(A, "event", "r"),
            r_user=column(A, "user", "r"),
            event=column(A, "event", "a"),
        )
    )


@functools.cache
def rows() -> str:
    """A slice of the event's RSVPs in the model's order, as `RSVP.Row`s (events/availability/shapes.py)
    with their users' public fields."""
    user = {
        "user_id": column(A, "user", "a"),
        "user_name": column(USER, "name", "u"),
        "user_avatar": column(USER, "avatar", "u"),
    }
    return text(
        SQL(
            "SELECT {columns} FROM {rsvps} a JOIN {users} u ON {uid} = {user_id} WHERE {event} = %(event)s "
            "ORDER BY {created_at}, {id} LIMIT %(limit)s OFFSET %(offset)s"
        ).format(
            columns=RSVP.select("a", user),
            user_id=column(A, "user", "a"),
            rsvps=table(A),
            users=table(USER),
            uid=column(USER, "id", "u"),
            event=column(A, "event", "a"),
            created_at=column(A, "created_at", "a"),
            id=column(A, "id", "a"),
        )
    )


@functools.cache
def counts_and_rows() -> str:
    """`counts()` and the first `%(limit)s` RSVPs of `rows()` in one statement (a page showing
    both): every row starts with the six counts, then the RSVP's columns and its place `n` in the
    model's order; an event without RSVPs gives one row whose RSVP columns are NULL."""
    user = {
        "user_id": column(A, "user", "a"),
        "user_name": column(USER, "name", "u"),
        "user_avatar": column(USER, "avatar", "u"),
    }
    order = SQL("{}, {}").format(column(A, "created_at", "a"), column(A, "id", "a"))
    return text(
        SQL(
            "SELECT c.*, p.* FROM ({counts}) c LEFT JOIN LATERAL ("
            "SELECT {columns}, row_number() OVER (ORDER BY {order}) AS n "
            "FROM {rsvps} a JOIN {users} u ON {uid} = {user_id} WHERE {event} = %(event)s "
            "ORDER BY {order} LIMIT %(limit)s) p ON TRUE ORDER BY p.n"
        ).format(
            counts=SQL(counts()),
            columns=RSVP.select("a", user),
            order=order,
            user_id=column(A, "user", "a"),
            rsvps=table(A),
            users=table(USER),
            uid=column(USER, "id", "u"),
            event=column(A, "event", "a"),
        )
    )


@functools.cache
def active_member_with_user() -> str:
    """The user (all columns) of an active member (`%(user)s`) of the club `%(club)s`, or no row."""
    return text(
        SQL("SELECT {columns} FROM {users} u WHERE u.id = %(user)s AND {member}").format(
            columns=columns(USER, "u"),
            users=table(USER),
            member=clubs_sql.active_membership(Placeholder("club"), Identifier("u", "id")),
        )
    )


# --- writes, under the locks -----------------------------------------------------------------
@functools.cache
def user_lock() -> str:
    """`User.objects.select_for_update(no_key=True).filter(pk=..., is_active=True).exists()`: the
    row is locked only if the user is active (rows that fail the WHERE are never locked)."""
    return text(
        SQL("SELECT 1 FROM {} WHERE {} AND {} = %s LIMIT 1 FOR NO KEY UPDATE").format(
            table(USER), column(USER, "is_active"), column(USER, "id")
        )
    )


@functools.cache
def membership_lock() -> str:
    """The user's active role in a club, FOR NO KEY UPDATE of that membership row. UNIQUE (club,
    user) leaves at most one row, so the ORM's `first()` ordering changed nothing and is left out."""
    return text(
        SQL("SELECT {} {} LIMIT 1 FOR NO KEY UPDATE").format(
            column(ClubMember, "role", "m"), clubs_sql.membership_of(SQL("%s"), SQL("%s"))
        )
    )


@functools.cache
def event_lock() -> str:
    """The whole event row by id, FOR UPDATE (what `select_for_update().get(pk=...)` emitted)."""
    return text(
        SQL("SELECT {} FROM {} e WHERE {} = %s FOR UPDATE").format(
            columns(Event, "e"), table(Event), column(Event, "id", "e")
        )
    )


@functools.cache
def event_lock_with_hooks() -> str:
    """`event_lock`, and after the event's columns the ids of its club's active hooks subscribed
    to `%s` (webhooks.sql.subscribed_hooks_of): the RSVP write's lock and its webhook lookup in
    one round trip."""
    return text(
        SQL("SELECT {}, {} FROM {} e WHERE {} = %s FOR UPDATE").format(
            columns(Event, "e"),
            webhooks_sql.subscribed_hooks_of(column(Event, "club", "e"), SQL("%s")),
            table(Event),
            column(Event, "id", "e"),
        )
    )


@functools.cache
def upsert_rows() -> str:
    """The event's `available` RSVPs and the user's own RSVP, in the model's order."""
    return text(
        SQL("SELECT {} FROM {} r WHERE {} = %s AND ({} = %s OR {} = %s) ORDER BY {}, {}").format(
            columns(A, "r"),
            table(A),
            column(A, "event", "r"),
            column(A, "status", "r"),
            column(A, "user", "r"),
            column(A, "created_at", "r"),
            column(A, "id", "r"),
        )
    )


@functools.cache
def insert() -> str:
    """A new RSVP with every concrete column given (in `_meta.concrete_fields` order)."""
    fields = A._meta.concrete_fields
    return text(
        SQL("INSERT INTO {} ({}) VALUES ({})").format(
            table(A),
            SQL(", ").join(Identifier(field.column) for field in fields),
            SQL(", ").join(SQL("%s") for _ in fields),
        )
    )


@functools.cache
def row_update() -> str:
    """The answer and seat of one RSVP by id, returning the `updated_at` its trigger stamped."""
    return text(
        SQL("UPDATE {} SET {} = %s, {} = %s, {} = %s, {} = %s WHERE {} = %s RETURNING {}").format(
            table(A),
            column(A, "status"),
            column(A, "notes"),
            column(A, "waitlisted"),
            column(A, "waitlist_position"),
            column(A, "id"),
            column(A, "updated_at"),
        )
    )


@functools.cache
def seats_update() -> str:
    """`waitlisted` and `waitlist_position` of several RSVPs from three parallel arrays (what
    `bulk_update` wrote with one CASE per column)."""
    return text(
        SQL(
            "UPDATE {rsvps} SET {waitlisted} = v.waitlisted, {position} = v.position "
            "FROM unnest(%s::{id_type}[], %s::{waitlisted_type}[], %s::{position_type}[]) AS v(id, waitlisted, position) "
            "WHERE {rsvps}.{id} = v.id"
        ).format(
            rsvps=table(A),
            waitlisted=column(A, "waitlisted"),
            position=column(A, "waitlist_position"),
            id_type=db_type(A, "id"),
            waitlisted_type=db_type(A, "waitlisted"),
            position_type=db_type(A, "waitlist_position"),
            id=column(A, "id"),
        )
    )


@functools.cache
def attendees_update() -> str:
    """What `event.save(update_fields=["attendees", "updated_at"])` wrote."""
    return text(
        SQL("UPDATE {} SET {} = %s::{}, {} = %s WHERE {} = %s").format(
            table(Event),
            column(Event, "attendees"),
            db_type(Event, "attendees"),
            column(Event, "updated_at"),
            column(Event, "id"),
        )
    )


@functools.cache
def invisible_rsvps() -> str:
    """(RSVP id, user id) of the RSVPs of event `%(event)s` whose users may not see that event now,
    by the one visibility rule (`clubs.sql.event_visible`, asked for each RSVP's user). Site
    admins see every event: the caller leaves them out (`clubs.permissions.is_site_admin`)."""
    return text(
        SQL(
            "SELECT {a_id}, {a_user} FROM {rsvps} a JOIN {events} e ON {e_id} = {a_event} "
            "JOIN {clubs} c ON {c_id} = {e_club} WHERE {a_event} = %(event)s AND NOT {visible} "
            "ORDER BY {a_id}"
        ).format(
            a_id=column(A, "id", "a"),
            a_user=column(A, "user", "a"),
            a_event=column(A, "event", "a"),
            rsvps=table(A),
            events=table(Event),
            clubs=table(Club),
            e_id=column(Event, "id", "e"),
            e_club=column(Event, "club", "e"),
            c_id=column(Club, "id", "c"),
            visible=clubs_sql.event_visible("e", "c", site_admin=False, user=column(A, "user", "a")),
        )
    )
