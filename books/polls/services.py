"""Writes of polls: create, vote, withdraw a vote, close (by hand or at `closes_at`, the worker),
delete. Permissions through `ClubAccess`, decided here.

- **Ballots.** One per voting member (active, not a guest) by a UNIQUE (poll, user); a vote locks
  the voter's membership, then the poll (core/locks.py), re-reads the poll's status under that
  lock (409 `poll_closed` once closed or past `closes_at`) and replaces the ballot.
- **Closing** (`poll_close`, THE one close: the API, the admin and the worker call it) locks the
  club, then the poll, decides the winner (books/polls/tally.py: instant-runoff for ranked polls,
  else most votes; ties to the option listed first), records it, tells the club's members
  (`poll_closed`) in the same transaction and, with `apply` on a book poll, starts the winning
  book (`books.services.book_start`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from books.models import Book
from books.polls import tally
from books.polls.models import Ballot, Poll, PollKind, PollOption, PollResults, PollStatus
from books.services import book_start
from clubs.models import Club, ClubMember
from clubs.selectors import club_access
from clubs.services import club_lock
from core.exceptions import Conflict
from core.locks import Lock, lock_objects, lock_one, retry_on_conflict
from notifications import kinds
from notifications.services import notifications_create
from webhooks.emit import webhook_emit
from webhooks.types import WebhookEventType


class NotAVoter(PermissionDenied):
    default_detail = "Only members of the club other than guests vote."
    default_code = "not_a_voter"


def poll_closed_conflict() -> Conflict:
    return Conflict("The poll is closed.", code="poll_closed")


def is_open(poll: Poll, now: dt.datetime | None = None) -> bool:
    """Open, and not past its `closes_at` (the worker may not have closed it yet)."""
    return poll.status == PollStatus.OPEN and (poll.closes_at is None or poll.closes_at > (now or timezone.now()))


def _members_of(club_id, *, exclude=None) -> list:
    members = ClubMember.objects.filter(club_id=club_id, is_active=True)
    if exclude is not None:
        members = members.exclude(user_id=exclude)
    return list(members.values_list("user_id", flat=True))


# --- create and delete -----------------------------------------------------------------------
def poll_manage_check(*, access) -> None:
    """403 unless the caller may create, close or delete the club's polls (views ask it first)."""
    if not access.can_manage_polls():
        raise PermissionDenied("Only club moderators and admins manage polls.")


@transaction.atomic
def poll_create(
    *,
    actor,
    club_id,
    question: str,
    kind: str,
    options: Sequence[dict],
    multiple: bool = False,
    ranked: bool = False,
    results: str = PollResults.VISIBLE,
    closes_at: dt.datetime | None = None,
) -> Poll:
    """Open a poll. `options`: dicts of `label`, `book` (a book id: required for a book poll, one
    of this club's books; the label defaults to its title) and `starts_at` (required for a date
    poll). Tells the club's other active members (`poll_opened`)."""
    club = club_lock(club_id=club_id)
    poll_manage_check(access=club_access(user=actor, club=club))
    rows = []
    if kind == PollKind.BOOK:
        wanted = [option.get("book") for option in options]
        books = {book.pk: book for book in Book.objects.filter(club=club, pk__in=[b for b in wanted if b])}
        for index, option in enumerate(options):
            book = books.get(option.get("book"))
            if book is None:
                raise ValidationError(
                    {"options": ValidationError(f"Option {index + 1}: not a book of this club.", code="unknown_book")}
                )
            rows.append({"label": option.get("label") or book.title[:255], "book": book})
    else:
        rows = [{"label": option.get("label") or "", "starts_at": option.get("starts_at")} for option in options]
    poll = Poll.objects.create(
        club=club,
        question=question,
        kind=kind,
        multiple=multiple,
        ranked=ranked,
        results=results,
        closes_at=closes_at,
        created_by=actor,
    )
    PollOption.objects.bulk_create(PollOption(poll=poll, position=i, **row) for i, row in enumerate(rows))
    notifications_create(
        kind=kinds.POLL_OPENED,
        user_ids=_members_of(club.pk, exclude=actor.pk),
        context={"club": club.name, "poll": poll.question},
        club=club,
        data={"poll_id": str(poll.pk)},
    )
    return poll


@transaction.atomic
def poll_delete(*, actor, poll_id) -> None:
    """Delete the poll, its options and ballots (club moderators and admins)."""
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None:
        raise Http404
    club = club_lock(club_id=poll.club_id)
    poll_manage_check(access=club_access(user=actor, club=club))
    Poll.objects.filter(pk=poll.pk).delete()


# --- votes -----------------------------------------------------------------------------------
def poll_vote_check(*, access) -> None:
    """403 `not_a_voter` unless the caller votes in the club (asked before the body is read)."""
    if not access.can_vote():
        raise NotAVoter()


def _voter_and_poll(*, actor, poll_id) -> tuple[ClubMember, Poll]:
    """Lock the voter's membership, then the poll (core/locks.py's order); 403 `not_a_voter`
    without an active voting membership; 409 `poll_closed` for a closed poll."""
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None:
        raise Http404
    members, polls = lock_objects(
        Lock(ClubMember.objects.filter(club_id=poll.club_id, user_id=actor.pk, is_active=True)),
        Lock(Poll.objects.filter(pk=poll.pk), no_key=True),
    )
    if not polls:
        raise Http404
    member, poll = (members[0] if members else None), polls[0]
    club = Club.objects.get(pk=poll.club_id)
    if member is None or not club_access(user=actor, club=club, role=member.role).can_vote():
        raise NotAVoter()
    if not is_open(poll):
        raise poll_closed_conflict()
    return member, poll


def ballot_validate(*, poll: Poll, option_ids: Sequence, known: Sequence) -> list:
    """The ballot as a list, or a 400 on `options`: empty, unknown options, duplicates, or more
    than one choice on a single-choice poll."""

    def invalid(message: str, code: str) -> ValidationError:
        return ValidationError({"options": ValidationError(message, code=code)})

    choices = list(option_ids)
    if not choices:
        raise invalid("Choose at least one option (DELETE the vote to withdraw it).", "empty")
    if len(set(choices)) != len(choices):
        raise invalid("An option may appear only once.", "duplicate_option")
    if set(choices) - set(known):
        raise invalid("Not an option of this poll.", "unknown_option")
    if not poll.multiple and len(choices) > 1:
        raise invalid("This poll takes one choice.", "single_choice")
    return choices


@retry_on_conflict
@transaction.atomic
def poll_vote(*, actor, poll_id, option_ids: Sequence) -> Ballot:
    """Cast or replace the caller's ballot (options most preferred first for a ranked poll)."""
    _member, poll = _voter_and_poll(actor=actor, poll_id=poll_id)
    known = list(PollOption.objects.filter(poll=poll).values_list("id", flat=True))
    choices = ballot_validate(poll=poll, option_ids=option_ids, known=known)
    ballot, _created = Ballot.objects.update_or_create(poll=poll, user_id=actor.pk, defaults={"choices": choices})
    return ballot


@retry_on_conflict
@transaction.atomic
def poll_unvote(*, actor, poll_id) -> None:
    """Withdraw the caller's ballot (404 without one; 409 `poll_closed` once closed)."""
    _member, poll = _voter_and_poll(actor=actor, poll_id=poll_id)
    deleted, _ = Ballot.objects.filter(poll=poll, user_id=actor.pk).delete()
    if not deleted:
        raise Http404


# --- closing ---------------------------------------------------------------------------------
@retry_on_conflict
@transaction.atomic
def poll_close(*, actor, poll_id, apply: bool = False) -> Poll:
    """Close the poll and decide its winner: THE one close (API with `actor`; the worker and the
    admin's action with `actor=None`, which skips the permission check). Closing a closed poll
    changes nothing (409 `poll_closed` for an `actor`). `apply` on a book poll starts the winning
    book (`books.services.book_start`); without a winner (no ballots) nothing is started."""
    poll = Poll.objects.filter(pk=poll_id).first()
    if poll is None:
        raise Http404
    club = club_lock(club_id=poll.club_id)
    if actor is not None:
        poll_manage_check(access=club_access(user=actor, club=club))
    poll = lock_one(Poll.objects.filter(pk=poll.pk))
    if poll is None:
        raise Http404
    if poll.status == PollStatus.CLOSED:
        if actor is not None:
            raise poll_closed_conflict()
        return poll
    options = list(PollOption.objects.filter(poll=poll).select_related("book").order_by("position"))
    ballots = list(Ballot.objects.filter(poll=poll).values_list("choices", flat=True))
    won = tally.winner([option.pk for option in options], ballots, ranked=poll.ranked)
    poll.status, poll.closed_at, poll.winner_id = PollStatus.CLOSED, timezone.now(), won
    poll.save(update_fields=["status", "closed_at", "winner", "updated_at"])
    winning = next((option for option in options if option.pk == won), None)
    notifications_create(
        kind=kinds.POLL_CLOSED,
        user_ids=_members_of(club.pk),
        context={"club": club.name, "poll": poll.question, "winner": winning.label if winning else "no votes"},
        club=club,
        data={"poll_id": str(poll.pk)},
    )
    webhook_emit(
        club_id=club.pk,
        type=WebhookEventType.POLL_CLOSED,
        data={"poll": str(poll.pk), "winner": str(won) if won is not None else None},
    )
    if apply and poll.kind == PollKind.BOOK and winning is not None and winning.book is not None:
        book_start(club=club, book=winning.book)
    return poll


def polls_close_due(*, now: dt.datetime | None = None) -> int:
    """Close every open poll past its `closes_at` (the worker's job, each in its own transaction);
    returns how many it closed."""
    due = Poll.objects.filter(status=PollStatus.OPEN, closes_at__lte=now or timezone.now())
    closed = 0
    for poll_id in due.order_by("closes_at", "id").values_list("id", flat=True):
        if poll_close(actor=None, poll_id=poll_id).status == PollStatus.CLOSED:
            closed += 1
    return closed
