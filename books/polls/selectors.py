"""Reads of polls with the club's visibility (`clubs.selectors`: a poll of a club the caller may
not see is a 404), and the poll's body as the caller may see it.

One poll with its body is one statement (`poll_detail`); a page of polls is the page's query and
one statement for the bodies of all its polls (`polls_represent`), whatever the number of polls or
voters (`books.polls.sql`). Votes are counted here, by `books.polls.tally`, not in SQL.

**Results rule** (the same for every role, site admins included): `votes` and `winner` are shown
when the poll's `results` is `visible`, when the caller has voted in an `after_vote` poll, and
to everyone once the poll is closed; otherwise they are null. `voter_count` and the caller's own
`my_vote` are always shown. `votes` counts the ballots naming the option, or, in a ranked poll,
the ballots ranking it first. `winner` is null until the poll closes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404

from books.polls import sql, tally
from books.polls.models import Poll, PollResults, PollStatus
from clubs.models import Club
from clubs.permissions import ClubAccess, is_site_admin
from clubs.selectors import club_access, parse_uuid
from core.representation import datetime_text, uuid_text
from core.sql import hydrate

# The derived scopes of its club that a poll's body is a function of.
POLL_SCOPES = sql.POLL_SCOPES


def poll_get_visible(*, user, poll_id) -> tuple[Poll, ClubAccess]:
    """The poll and the caller's access to its club; Http404 for an unknown, malformed or hidden id."""
    poll, access, _parts = _poll_with_body(user=user, poll_id=poll_id, with_parts=False)
    return poll, access


def poll_detail(*, user, poll_id) -> tuple[Poll, dict, ClubAccess]:
    """The poll, its body for `user` and the caller's access to its club, in one statement
    (`books.polls.sql.poll_with_body`); Http404 for an unknown, malformed or hidden id."""
    poll, access, parts = _poll_with_body(user=user, poll_id=poll_id)
    return poll, _represent(poll, parts), access


def poll_detail_versioned(*, user, poll_id) -> tuple[Poll, ClubAccess, tuple, Callable[[], dict]]:
    """`poll_detail` with the version of the body read in the same statement (the club's stamp,
    the epoch, the stamps of `POLL_SCOPES`): the poll, the caller's access, the version, and the
    body for `user` as a function, built only when called (a 304 builds none)."""
    poll, access, parts, version = _poll_with_body(user=user, poll_id=poll_id, with_stamps=True)
    return poll, access, version, lambda: _represent(poll, parts)


def _poll_with_body(*, user, poll_id, with_parts: bool = True, with_stamps: bool = False):
    params = {"poll": parse_uuid(poll_id), "user": getattr(user, "pk", None)}
    statement = sql.poll_with_body(site_admin=is_site_admin(user), with_parts=with_parts, with_stamps=with_stamps)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        raise Http404
    poll, end = hydrate(Poll, row)
    club, end = hydrate(Club, row, end)
    Poll._meta.get_field("club").set_cached_value(poll, club)
    access = club_access(user=user, club=club, role=row[end])
    end += 1
    version = ()
    if with_stamps:
        version, end = tuple(row[end : end + 2 + len(POLL_SCOPES)]), end + 2 + len(POLL_SCOPES)
        return poll, access, _Parts.of(row[end:]) if with_parts else None, version
    return poll, access, _Parts.of(row[end:]) if with_parts else None


def polls_of_club(*, club: Club, status: str | None = None) -> QuerySet[Poll]:
    """The club's polls, newest first (id tie-break), optionally open or closed only."""
    polls = Poll.objects.filter(club=club).order_by("-created_at", "id")
    return polls.filter(status=status) if status else polls


def results_shown(poll: Poll, *, voted: bool) -> bool:
    return (
        poll.status == PollStatus.CLOSED
        or poll.results == PollResults.VISIBLE
        or (poll.results == PollResults.AFTER_VOTE and voted)
    )


class _Option(NamedTuple):
    id: uuid.UUID
    label: str
    book_id: uuid.UUID | None
    starts_at: dt.datetime | None


class _Parts(NamedTuple):
    """What a poll's body needs besides the poll's row (`books.polls.sql`)."""

    options: list[_Option]
    ballots: list[list[str]]  # every ballot's choices, as id texts
    mine: list | None  # the caller's choices, or None

    @classmethod
    def of(cls, row) -> _Parts:
        ids, labels, books, starts, ballots, mine = row
        options = [_Option(*option) for option in zip(ids or (), labels or (), books or (), starts or (), strict=True)]
        return cls(options, ballots or [], mine)


def polls_represent(polls: list[Poll], *, user) -> list[dict]:
    """The bodies of `polls` (the caller may see them) for `user`, in one statement."""
    if not polls:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql.poll_parts(), {"polls": [poll.pk for poll in polls], "user": getattr(user, "pk", None)})
        parts = {row[0]: _Parts.of(row[1:]) for row in cursor.fetchall()}
    return [_represent(poll, parts[poll.pk]) for poll in polls]


def _represent(poll: Poll, parts: _Parts) -> dict:
    options, ballots, mine = parts
    shown = results_shown(poll, voted=mine is not None)
    ids = [str(option.id) for option in options]
    counts = tally.first_preferences(ids, ballots) if poll.ranked else tally.approval_counts(ids, ballots)
    return {
        "id": str(poll.pk),
        "club": str(poll.club_id),
        "question": poll.question,
        "kind": poll.kind,
        "options": [
            {
                "id": option_id,
                "label": option.label,
                "book": uuid_text(option.book_id),
                "starts_at": datetime_text(option.starts_at),
                "votes": counts[option_id] if shown else None,
            }
            for option_id, option in zip(ids, options, strict=True)
        ],
        "multiple": poll.multiple,
        "ranked": poll.ranked,
        "results": poll.results,
        "closes_at": datetime_text(poll.closes_at),
        "status": poll.status,
        "created_by": uuid_text(poll.created_by_id),
        "my_vote": [str(choice) for choice in mine] if mine is not None else None,
        "voter_count": len(ballots),
        "winner": uuid_text(poll.winner_id) if shown and poll.status == PollStatus.CLOSED else None,
        "created_at": datetime_text(poll.created_at),
    }
