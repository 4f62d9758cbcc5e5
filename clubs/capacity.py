"""The capacity rule of clubs, in one place: lock the club row, recount active members from the
rows, then write (docs/clubs.md, "Capacity"). Every way into a club ends in `member_admit`:
a join, an approved join request and an accepted invite (`clubs.joining`), a staff add.
`clubs.services` re-exports these names."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from clubs import selectors
from clubs.models import Club, ClubMember, ClubRole
from core.exceptions import Conflict
from core.hooks import Hook
from core.locks import lock_one

# Connected by webhooks (AppConfig.ready): every way in ends here or in a reinstatement.
membership_started = Hook(
    "clubs.membership_started",
    "membership_started(user=<user id>, club=<Club>): the user became an active member (joined, added or "
    "reinstated), in this transaction.",
)


def club_lock(*, club_id) -> Club:
    """Lock and return the club row. Must run inside a transaction; Http404 if it is gone."""
    club = lock_one(Club.objects.filter(pk=club_id))
    if club is None:
        raise Http404
    return club


def club_active_member_count(*, club: Club) -> int:
    return selectors.club_active_member_count(club_id=club.pk)


def club_capacity_check(*, club: Club, adding: int = 1) -> None:
    """409 `club_full` unless `adding` more active members fit. The caller holds the club lock."""
    if club.max_members is None:
        return
    if club_active_member_count(club=club) + adding > club.max_members:
        raise Conflict(f"The club is full ({club.max_members} members).", code="club_full")


def _activate_or_create(*, club: Club, user, role: str, existing: ClubMember | None) -> ClubMember:
    """Reactivate the user's former membership row or insert a new one (the caller holds the lock)."""
    if existing is not None:
        existing.is_active = True
        existing.role = role
        existing.joined_date = timezone.now()
        existing.save(update_fields=["is_active", "role", "joined_date"])
        membership_started(user=existing.user_id, club=club)
        return existing
    try:
        # A savepoint, so that a unique violation (a row written behind the lock's back, e.g. by
        # plain SQL) leaves the outer transaction usable and answers 409.
        with transaction.atomic():
            member = ClubMember.objects.create(club=club, user=user, role=role)
    except IntegrityError:
        raise Conflict("The user is already a member of this club.", code="already_member") from None
    membership_started(user=member.user_id, club=club)
    return member


def member_admit(*, club: Club, user, role: str = ClubRole.MEMBER) -> ClubMember:
    """Make `user` an active member of `club` with `role` (reactivating a former membership): the
    last step of every way in (a join, an approved join request, an accepted invite, a staff add).

    The caller holds the club lock (`club_lock`) in its transaction and has decided that the user
    may come in; this recounts from the rows under that lock: 409 `already_member` for an active
    member, 409 `club_full` at `max_members`. Backed by UNIQUE (club, user)."""
    existing = ClubMember.objects.filter(club=club, user=user).first()
    if existing is not None and existing.is_active:
        raise Conflict("The user is already a member of this club.", code="already_member")
    club_capacity_check(club=club)
    return _activate_or_create(club=club, user=user, role=role, existing=existing)
