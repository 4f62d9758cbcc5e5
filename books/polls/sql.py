"""SQL of polls (docs/architecture.md, "SQL"): a poll's body in one statement.

A poll's body needs its options in listed order, every ballot's choices (to count the votes,
`books.polls.tally`) and the caller's own ballot. They come as aggregates beside the poll's row:
the options as parallel typed arrays (ids, labels, books, dates), the ballots' choices as one
JSON array of arrays of id texts (ballots differ in length, which a PostgreSQL array cannot hold),
and the caller's choices (`%(user)s`) as a uuid array, NULL when they have not voted.
"""

from __future__ import annotations

import functools

from books.polls.models import Ballot, Poll, PollOption
from clubs import sql as clubs_sql
from clubs.models import Club
from core.sql import SQL, Composable, Identifier, column, columns, derived_stamp, table, text


def _parts() -> tuple[Composable, Composable]:
    """The select list of a poll's parts (after its own columns) and the joins that give them,
    for the poll row `p`."""
    order = SQL(" ORDER BY {}").format(column(PollOption, "position", "o"))
    arrays = SQL(", ").join(
        SQL("array_agg({}{})").format(column(PollOption, name, "o"), order)
        for name in ("id", "label", "book", "starts_at")
    )
    select = SQL("o.*, b.choices, mine.{choices}").format(choices=column(Ballot, "choices"))
    joins = SQL(
        "CROSS JOIN LATERAL (SELECT {arrays} FROM {options} o WHERE {option_poll} = p.id) o "
        "CROSS JOIN LATERAL (SELECT json_agg({choices} ORDER BY {ballot_id}) AS choices "
        "FROM {ballots} b WHERE {ballot_poll} = p.id) b "
        "LEFT JOIN {ballots} mine ON {mine_poll} = p.id AND {mine_user} = %(user)s"
    ).format(
        arrays=arrays,
        options=table(PollOption),
        option_poll=column(PollOption, "poll", "o"),
        choices=column(Ballot, "choices", "b"),
        ballot_id=column(Ballot, "id", "b"),
        ballots=table(Ballot),
        ballot_poll=column(Ballot, "poll", "b"),
        mine_poll=column(Ballot, "poll", "mine"),
        mine_user=column(Ballot, "user", "mine"),
    )
    return select, joins


@functools.cache
def poll_with_body(*, site_admin: bool, with_parts: bool = True, with_stamps: bool = False) -> str:
    """One poll by id (`%(poll)s`) if the caller (`%(user)s`) may see its club
    (`clubs.sql.club_visible`): the poll's columns, its club's, the caller's club role, with
    `with_stamps` the version of its body (the club's stamp, the epoch and the stamps of the
    club's `POLL_SCOPES`), then with `with_parts` its parts (the module's docstring); without
    them, for the writes that render no body."""
    parts, joins = _parts() if with_parts else (SQL("NULL"), SQL(""))
    club_id = Identifier("c", "id")
    stamps = [clubs_sql.stamp_of(club_id), clubs_sql.EPOCH, *(derived_stamp(kind, club_id) for kind in POLL_SCOPES)]
    return text(
        SQL(
            "SELECT {poll}, {club}, {role}{stamps}, {parts} FROM {polls} p JOIN {clubs} c ON c.id = {poll_club} "
            "{joins} WHERE p.id = %(poll)s AND {visible}"
        ).format(
            poll=columns(Poll, "p"),
            club=columns(Club, "c"),
            role=clubs_sql.role_of(club_id),
            stamps=SQL("").join(SQL(", {}").format(part) for part in stamps) if with_stamps else SQL(""),
            parts=parts,
            polls=table(Poll),
            clubs=table(Club),
            poll_club=column(Poll, "club", "p"),
            joins=joins,
            visible=clubs_sql.club_visible("c", site_admin=site_admin),
        )
    )


@functools.cache
def poll_parts() -> str:
    """The parts of the polls `%(polls)s` (a uuid array), each row its poll's id then the parts;
    for a page of polls the caller may already see."""
    parts, joins = _parts()
    return text(
        SQL("SELECT p.id, {parts} FROM {polls} p {joins} WHERE p.id = ANY(%(polls)s)").format(
            parts=parts, polls=table(Poll), joins=joins
        )
    )


# The derived scopes of its club that a poll's body is a function of, besides the club's own
# stamp (members' names): every poll, option and ballot of the club; its books.
POLL_SCOPES = ("club.polls", "club.books")
