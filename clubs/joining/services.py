"""Join requests: asking to join an `approval` club, and the club's decision.

`join_ask` is what `POST /clubs/{id}/join/` does for every policy: `open` joins at once
(`clubs.services.club_join`), `approval` files (or finds) the caller's pending request, `invite`
refuses with 403 `invite_required`.

Concurrency: one pending request per (club, user) is the partial UNIQUE index
`join_requests_one_pending`; a concurrent duplicate insert waits for the first to commit, fails on
the index in its own savepoint and answers the row that won. Deciding (approve, decline, withdraw)
locks the club row first (`clubs.services.club_lock`, core/locks.py), so decisions on one club are
serialized with each other and with every write that adds a member; an approval then admits under
that same lock with the capacity recount of `clubs.services.member_admit`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from clubs import services as club_services
from clubs.joining import notify
from clubs.joining.models import JoinRequest, JoinRequestStatus
from clubs.models import Club, ClubMember, ClubRole, JoinPolicy
from clubs.selectors import club_access, is_active_member
from core.exceptions import Conflict
from core.locks import retry_on_conflict


@dataclass(frozen=True)
class JoinOutcome:
    """What a join did: a membership (open club) or a join request (`created`: a new row)."""

    member: ClubMember | None = None
    request: JoinRequest | None = None
    created: bool = True


def _not_pending() -> Conflict:
    return Conflict("This join request has already been decided or withdrawn.")


def join_ask(*, actor, club_id, message: str = "") -> JoinOutcome:
    """`actor` asks to join the club they can see (the view resolved it, else 404).

    - `open`: 201 membership (`clubs.services.club_join`: 409 `already_member`, `club_full`);
    - `approval`: the caller's pending request, new (`created`) or the existing one (a repeat:
      never a second row); 409 `already_member` for an active member; `join_request` goes to the
      club's moderators and admins for a new request only;
    - `invite` (every private club): 403 `invite_required` (409 `already_member` for a member).
    """
    club = Club.objects.only("pk", "join_policy", "is_public").filter(pk=club_id).first()
    if club is None:
        raise Http404
    if club.join_policy != JoinPolicy.APPROVAL:
        return JoinOutcome(member=club_services.club_join(actor=actor, club_id=club.pk))
    return _join_request_file(actor=actor, club_id=club.pk, message=message)


@transaction.atomic
def _join_request_file(*, actor, club_id, message: str) -> JoinOutcome:
    if is_active_member(user_id=actor.pk, club_id=club_id):
        raise Conflict("You are already a member of this club.", code="already_member")
    pending = JoinRequest.objects.filter(club_id=club_id, user=actor, status=JoinRequestStatus.PENDING)
    existing = pending.first()
    if existing is not None:
        return JoinOutcome(request=existing, created=False)
    try:
        with transaction.atomic():  # a savepoint: the index's refusal leaves this transaction usable
            join_request = JoinRequest.objects.create(club_id=club_id, user=actor, message=message)
    except IntegrityError:
        # A concurrent ask of the same user won the partial unique index (and has committed: the
        # insert waited for it); that row is the answer.
        existing = pending.first()
        if existing is None:
            raise
        return JoinOutcome(request=existing, created=False)
    notify.notify_join_request(join_request=join_request)
    return JoinOutcome(request=join_request, created=True)


def join_requests_review_check(*, access) -> None:
    """403 unless the caller may see and decide the club's join requests (moderators, admins,
    site admins). The list view asks first; approve and decline ask again under the lock."""
    if not access.can_review_join_requests():
        raise PermissionDenied("Only club moderators and admins see and decide join requests.")


def _decidable(*, actor, club_id, request_id) -> tuple[Club, JoinRequest]:
    """Lock the club, check the caller may decide, and return the club's PENDING request
    (404 for another club's or an unknown one; 409 when it is no longer pending)."""
    club = club_services.club_lock(club_id=club_id)
    join_requests_review_check(access=club_access(user=actor, club=club))
    join_request = JoinRequest.objects.select_related("user").filter(pk=request_id, club=club).first()
    if join_request is None:
        raise Http404
    if join_request.status != JoinRequestStatus.PENDING:
        raise _not_pending()
    join_request.club = club
    return club, join_request


def _decide(*, join_request: JoinRequest, actor, status: str) -> None:
    join_request.status = status
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.save(update_fields=["status", "decided_at", "decided_by"])


@retry_on_conflict
@transaction.atomic
def join_request_approve(*, actor, club_id, request_id) -> ClubMember:
    """Approve a pending request: the requester becomes a `member` under the club lock with the
    capacity recount of a join (409 `club_full`, `already_member`; the request then stays pending),
    and is told (`join_request_decided`). Club moderators, admins and site admins (403)."""
    club, join_request = _decidable(actor=actor, club_id=club_id, request_id=request_id)
    member = club_services.member_admit(club=club, user=join_request.user, role=ClubRole.MEMBER)
    _decide(join_request=join_request, actor=actor, status=JoinRequestStatus.APPROVED)
    notify.notify_join_request_decided(join_request=join_request)
    return member


@retry_on_conflict
@transaction.atomic
def join_request_decline(*, actor, club_id, request_id) -> JoinRequest:
    """Decline a pending request (the requester is told). Same callers as approve."""
    _, join_request = _decidable(actor=actor, club_id=club_id, request_id=request_id)
    _decide(join_request=join_request, actor=actor, status=JoinRequestStatus.DECLINED)
    notify.notify_join_request_decided(join_request=join_request)
    return join_request


@retry_on_conflict
@transaction.atomic
def join_request_withdraw(*, actor, request_id) -> None:
    """The requester withdraws their own pending request (404 for anyone else's or an unknown id;
    409 once it is decided)."""
    join_request = JoinRequest.objects.filter(pk=request_id, user=actor).first()
    if join_request is None:
        raise Http404
    club_services.club_lock(club_id=join_request.club_id)
    join_request.refresh_from_db(fields=["status"])
    if join_request.status != JoinRequestStatus.PENDING:
        raise _not_pending()
    _decide(join_request=join_request, actor=actor, status=JoinRequestStatus.WITHDRAWN)
