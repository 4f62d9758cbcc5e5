"""Reads of polls with the club's visibility (`clubs.selectors`: a poll of a club the caller may
not see is a 404), and the poll's body as the caller may see it.

A poll body costs three queries after the poll's own: options and ballots of every poll of the
page at once (lists stay flat), whatever the number of polls or voters.

**Results rule** (the same for every role, site admins included): `votes` and `winner` are shown
when the poll's `results` is `visible`, when the caller has voted in an `after_vote` poll, and
to everyone once the poll is closed; otherwise they are null. `voter_count` and the caller's own
`my_vote` are always shown. `votes` counts the ballots naming the option, or, in a ranked poll,
the ballots ranking it first. `winner` is null until the poll closes.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet
from django.http import Http404

from books.polls import tally
from books.polls.models import Ballot, Poll, PollOption, PollResults, PollStatus
from clubs.models import Club
from clubs.permissions import ClubAccess
from clubs.selectors import club_get_visible_with_access, parse_uuid
from core.representation import datetime_text, uuid_text


def poll_get_visible(*, user, poll_id) -> tuple[Poll, ClubAccess]:
    """The poll and the caller's access to its club; Http404 for an unknown, malformed or hidden id."""
    poll = Poll.objects.filter(pk=parse_uuid(poll_id)).first()
    if poll is None:
        raise Http404
    _club, access = club_get_visible_with_access(user=user, club_id=poll.club_id)
    return poll, access


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


def polls_represent(polls: list[Poll], *, user) -> list[dict]:
    """The bodies of `polls` for `user` (two queries for the whole list)."""
    ids = [poll.pk for poll in polls]
    options: dict = defaultdict(list)
    for option in PollOption.objects.filter(poll_id__in=ids).order_by("poll_id", "position"):
        options[option.poll_id].append(option)
    ballots: dict = defaultdict(list)
    for poll_id, user_id, choices in Ballot.objects.filter(poll_id__in=ids).values_list(
        "poll_id", "user_id", "choices"
    ):
        ballots[poll_id].append((user_id, choices))
    return [_represent(poll, options[poll.pk], ballots[poll.pk], user_id=user.pk) for poll in polls]


def _represent(poll: Poll, options: list[PollOption], ballots: list[tuple], *, user_id) -> dict:
    mine = next((choices for voter, choices in ballots if voter == user_id), None)
    shown = results_shown(poll, voted=mine is not None)
    choices = [c for _voter, c in ballots]
    ids = [option.pk for option in options]
    counts = tally.first_preferences(ids, choices) if poll.ranked else tally.approval_counts(ids, choices)
    return {
        "id": str(poll.pk),
        "club": str(poll.club_id),
        "question": poll.question,
        "kind": poll.kind,
        "options": [
            {
                "id": str(option.pk),
                "label": option.label,
                "book": uuid_text(option.book_id),
                "starts_at": datetime_text(option.starts_at),
                "votes": counts[option.pk] if shown else None,
            }
            for option in options
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
