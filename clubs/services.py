"""Writes of clubs and memberships. Every function decides (permissions through `ClubAccess`) and
writes inside one transaction.

Capacity rule: `Club.max_members` caps ACTIVE memberships. Every write that can add an active
member (join, add, reactivation) or lower the cap first locks the club row
(`SELECT ... FOR UPDATE`), then recounts active members from the rows, then writes; concurrent
writers queue on that lock. The UNIQUE (club, user) constraint backs the "one row per user"
rule; an IntegrityError from it becomes 409 `already_member`, never a 500.

Lock order (core/locks.py documents the global one): club row first, then event rows (ascending
id order), so membership changes and RSVPs cannot deadlock. A club delete locks the club and then
its events before the cascade deletes anything under them (the cascade deletes RSVPs first).

Club admins: the owner is always an active club admin; no write may leave a club with no
active admin (409 `last_admin`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from clubs.capacity import (
    _activate_or_create,
    club_active_member_count,
    club_capacity_check,
    club_lock,
    member_admit,
    membership_started,
)
from clubs.models import Club, ClubMember, ClubRole, JoinPolicy
from clubs.permissions import can_create_club
from clubs.selectors import club_access
from clubs.validators import default_reminder_hours, join_policy_resolve
from core.exceptions import Conflict
from core.hooks import Hook
from core.locks import Lock, lock_objects, retry_on_conflict
from core.services import model_update

# Fields of a club that `club_update` may change.
CLUB_EDITABLE_FIELDS = (
    "name",
    "description",
    "is_public",
    "join_policy",
    "max_members",
    "meeting_frequency",
    "current_book",
    "location",
    "tags",
    "timezone",
    "reminder_hours",
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# --- building blocks: clubs/capacity.py (lock, recount, admit), re-exported here ----------
def _ensure_other_admin(*, club: Club, member: ClubMember) -> None:
    """409 `last_admin` if `member` is the club's only active admin (they are about to stop being one)."""
    if member.role != ClubRole.ADMIN or not member.is_active:
        return
    others = ClubMember.objects.filter(club=club, is_active=True, role=ClubRole.ADMIN).exclude(pk=member.pk)
    if not others.exists():
        raise Conflict("A club needs at least one active admin; promote another member first.", code="last_admin")


# Connected by events.availability (AppConfig.ready): that app depends on clubs, not the other way round.
membership_ended = Hook(
    "clubs.membership_ended",
    "membership_ended(user=<user id>, club=<Club>): the membership turned inactive, in this transaction; "
    "the user's seats and waitlist places in the club's upcoming events are to be freed.",
)


club_made_private = Hook(
    "clubs.club_made_private",
    "club_made_private(club_id=<club id>): the club stopped being public, in this transaction (its row "
    "locked); the RSVPs of users who can no longer see its upcoming events are to be released.",
)


# Connected by books: current_book(club=<Club, locked>, title, actor) set by a club write becomes the current book.
current_book_changed = Hook("clubs.current_book_changed", "The reading list makes `title` its current book.")


def _release_event_seats(*, club: Club, user_id) -> None:
    """Free the seats and waitlist places the user holds in the club's upcoming events."""
    membership_ended(user=user_id, club=club)


def _deactivate(*, club: Club, member: ClubMember) -> None:
    member.is_active = False
    member.save(update_fields=["is_active"])
    _release_event_seats(club=club, user_id=member.user_id)


# --- clubs -----------------------------------------------------------------------------------
@transaction.atomic
def club_create(
    *,
    actor,
    name: str,
    description: str | None = None,
    is_public: bool = False,
    join_policy: str | None = None,
    max_members: int | None = None,
    meeting_frequency: str | None = None,
    current_book: str | None = None,
    location: str | None = None,
    tags: list[str] | None = None,
    timezone_name: str | None = None,
    reminder_hours: list[int] | None = None,
) -> Club:
    """Create a club owned by `actor`, who becomes its first active club admin.

    403 for site guests (they may not create clubs). Inputs are already validated; `join_policy`
    defaults to `open` for a public club and must be `invite` (or absent) for a private one (400).
    """
    if not can_create_club(actor):
        raise PermissionDenied("Guests may not create clubs.")
    club = Club.objects.create(
        name=name,
        description=description,
        owner=actor,
        is_public=is_public,
        join_policy=join_policy_resolve(is_public=is_public, requested=join_policy),
        max_members=max_members,
        meeting_frequency=meeting_frequency,
        current_book=current_book,
        location=location,
        tags=list(tags or []),
        timezone=timezone_name or settings.DEFAULT_CLUB_TIMEZONE,
        reminder_hours=default_reminder_hours() if reminder_hours is None else list(reminder_hours),
    )
    ClubMember.objects.create(club=club, user=actor, role=ClubRole.ADMIN)
    if current_book is not None:  # a blank one is stored as null by the hook
        current_book_changed(club=club, title=current_book, actor=actor)
    return club


@retry_on_conflict
@transaction.atomic
def club_update(*, actor, club_id, data: dict[str, Any]) -> Club:
    """Change the fields of `data` (keys from `CLUB_EDITABLE_FIELDS`). Club admins and site admins.

    `join_policy`: private clubs are always `invite` (400 for another value; making a club private
    makes it `invite`); a club made public without naming a policy becomes `open`.
    Lowering `max_members` below the current number of active members is refused with a 400
    field error; the check runs under the club lock so no join can slip in between. Making the
    club private releases, in this transaction, the RSVPs of users who can no longer see its
    upcoming events (not active members, not site admins), promoting from the waitlist.
    """
    club = club_lock(club_id=club_id)
    if not club_access(user=actor, club=club).can_edit_club():
        raise PermissionDenied("Only club admins may edit the club.")
    unknown = set(data) - set(CLUB_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    new_max = data.get("max_members", club.max_members)
    if "max_members" in data and new_max is not None:
        active = club_active_member_count(club=club)
        if new_max < active:
            raise ValidationError(
                {
                    "max_members": ValidationError(
                        f"The club has {active} active members; max_members cannot be lower.",
                        code="below_member_count",
                    )
                }
            )
    if "join_policy" in data or "is_public" in data:
        data = dict(data)
        current = club.join_policy if club.is_public else None  # private -> public: `open` unless named
        data["join_policy"] = join_policy_resolve(
            is_public=data.get("is_public", club.is_public), requested=data.get("join_policy"), current=current
        )
    changes = {field: value for field, value in data.items() if getattr(club, field) != value}
    model_update(instance=club, changes=changes)
    if changes.get("is_public") is False:
        club_made_private(club_id=club.pk)
    if "current_book" in changes:
        current_book_changed(club=club, title=club.current_book, actor=actor)
    return club


@retry_on_conflict
@transaction.atomic
def club_delete(*, actor, club_id) -> None:
    """Delete the club and everything under it (events, RSVPs, items cascade). Owner or site admin.

    The club, then its events are locked before the cascade deletes anything: event creation
    (which locks the club) and RSVP and item writes (which lock the event) wait and answer 404."""
    club = club_lock(club_id=club_id)
    if not club_access(user=actor, club=club).can_delete_club():
        raise PermissionDenied("Only the club owner may delete the club.")
    # Through the reverse relation: events depend on clubs, so this module does not import them.
    lock_objects(Lock(club.events.all()))
    club.delete()


@transaction.atomic
def club_transfer_ownership(*, actor, club_id, new_owner_id) -> Club:
    """Make the active member `new_owner_id` the owner (and a club admin). The previous owner stays
    an active club admin. Owner or site admin; 400 on `user_id` if the user is not an active member.
    """
    club = club_lock(club_id=club_id)
    if not club_access(user=actor, club=club).can_transfer_ownership():
        raise PermissionDenied("Only the club owner may transfer ownership.")
    target = ClubMember.objects.select_for_update().filter(club=club, user_id=new_owner_id, is_active=True).first()
    if target is None:
        raise ValidationError(
            {"user_id": ValidationError("The new owner must be an active member of the club.", code="not_a_member")}
        )
    if target.role != ClubRole.ADMIN:
        target.role = ClubRole.ADMIN
        target.save(update_fields=["role"])
    if club.owner_id != target.user_id:
        club.owner_id = target.user_id
        club.save(update_fields=["owner", "updated_at"])
    return club


# --- memberships -----------------------------------------------------------------------------
@transaction.atomic
def club_join(*, actor, club_id) -> ClubMember:
    """`actor` joins the public, `open` club as a `member` (reactivating a former membership).

    409 `already_member` for an active member, 403 for a private club, 403 `invite_required` for a
    club that is not `open` (`clubs.joining` answers `approval` clubs with a join request before it
    gets here), 409 `club_full` at `max_members`.
    """
    club = club_lock(club_id=club_id)
    existing = ClubMember.objects.filter(club=club, user=actor).first()
    if existing is not None and existing.is_active:
        raise Conflict("You are already a member of this club.", code="already_member")
    if club.join_policy != JoinPolicy.OPEN:
        # Decided on the locked row: a policy change commits before or after this join, never during.
        raise PermissionDenied("This club takes new members by invitation.", code="invite_required")
    if not club_access(user=actor, club=club, role=None).can_join():
        raise PermissionDenied("Only public clubs can be joined; ask a club admin to invite you.")
    club_capacity_check(club=club)
    return _activate_or_create(club=club, user=actor, role=ClubRole.MEMBER, existing=existing)


@transaction.atomic
def club_leave(*, actor, club_id) -> None:
    """`actor` leaves the club (the membership turns inactive; their seats in upcoming events are
    released). 403 for non-members, 409 `owner_cannot_leave` for the owner, 409 `last_admin`."""
    club = club_lock(club_id=club_id)
    member = ClubMember.objects.filter(club=club, user=actor, is_active=True).first()
    if member is None:
        raise PermissionDenied("You are not a member of this club.")
    if club.owner_id == member.user_id:
        raise Conflict("The owner cannot leave; transfer ownership first.", code="owner_cannot_leave")
    _ensure_other_admin(club=club, member=member)
    _deactivate(club=club, member=member)


def member_add_check(*, access) -> None:
    """403 unless the caller may add members at all. Only site admins add directly
    (`member_add`); club moderators and admins invite instead (`clubs.joining`). The view asks
    before it reads the body."""
    if not access.can_manage_members():
        raise PermissionDenied("Only club moderators and admins may add members.")


def member_role_change_check(*, access) -> None:
    """403 unless the caller may change club roles: club admins and site admins (`member_update`
    asks again under the club lock)."""
    if not access.can_change_roles():
        raise PermissionDenied("Only club admins may change roles.")


@transaction.atomic
def member_add(*, actor, club_id, user, role: str = ClubRole.MEMBER) -> ClubMember:
    """Add `user` to the club with `role` directly, without their consent (reactivating a former
    membership): site admins only (403 otherwise; club moderators and admins send an invite,
    `clubs.joining.invites`). 409 `already_member` for an active member, 409 `club_full` at
    `max_members`.
    """
    club = club_lock(club_id=club_id)
    if not club_access(user=actor, club=club).can_add_member_directly():
        raise PermissionDenied("Only site admins add members directly; club moderators and admins invite them.")
    return member_admit(club=club, user=user, role=role)


@transaction.atomic
def member_update(*, actor, club_id, user_id, role: Any = UNSET, books_read: Any = UNSET, is_active: Any = UNSET):
    """Change the membership of `user_id` in THIS club (Http404 if it has none).

    - any change needs a moderator, club admin or site admin (403);
    - `role`: club admins and site admins; the owner stays `admin` (409 `owner_must_be_admin`);
    - `books_read`: club admins and site admins;
    - `is_active`: false removes the member (the rules of `member_remove`: a moderator may only
      touch members and guests); true reinstates them: site admins only, as `member_add` (capacity);
    - never leaves the club without an active admin (409 `last_admin`).
    """
    club = club_lock(club_id=club_id)
    access = club_access(user=actor, club=club)
    member = ClubMember.objects.select_for_update().filter(club=club, user_id=user_id).first()
    if member is None:
        raise Http404
    if not access.can_manage_members():
        raise PermissionDenied("Only club moderators and admins may change memberships.")
    fields: list[str] = []

    if role is not UNSET and role != member.role:
        member_role_change_check(access=access)
        if club.owner_id == member.user_id:
            raise Conflict("The owner is always a club admin; transfer ownership first.", code="owner_must_be_admin")
        _ensure_other_admin(club=club, member=member)
        member.role = role
        fields.append("role")

    if books_read is not UNSET and books_read != member.books_read:
        if not access.can_set_books_read():
            raise PermissionDenied("Only club admins may set books_read.")
        member.books_read = books_read
        fields.append("books_read")

    releasing = False
    if is_active is not UNSET and is_active != member.is_active:
        if is_active:
            # Consent: a former member comes back by joining or accepting an invite; only staff
            # reinstate directly (as only they add directly).
            if not access.can_add_member_directly():
                raise PermissionDenied("Former members come back by joining or accepting an invite.")
            club_capacity_check(club=club)
            member.joined_date = timezone.now()
            fields.append("joined_date")
        else:
            if not access.can_remove_member_with_role(member.role):
                raise PermissionDenied(f"You may not remove members with role {member.role!r}.")
            if club.owner_id == member.user_id:
                raise Conflict("The owner cannot be removed; transfer ownership first.", code="owner_cannot_leave")
            _ensure_other_admin(club=club, member=member)
            releasing = True
        member.is_active = is_active
        fields.append("is_active")

    if fields:
        member.save(update_fields=fields)
    if releasing:
        _release_event_seats(club=club, user_id=member.user_id)
    elif is_active is True and "is_active" in fields:
        membership_started(user=member.user_id, club=club)
    return member


@transaction.atomic
def member_remove(*, actor, club_id, user_id) -> None:
    """Remove `user_id` from THIS club: the row turns inactive (history and `books_read` survive a
    re-join) and their seats in upcoming events are released. Same rules as
    `member_update(is_active=False)`; removing a former member again changes nothing."""
    member_update(actor=actor, club_id=club_id, user_id=user_id, is_active=False)


# --- used by the admin -----------------------------------------------------------------------
@transaction.atomic
def member_seats_release(*, club: Club, user_id) -> None:
    """Release `user_id`'s seats in the club's upcoming events (after a removal made in the admin)."""
    _release_event_seats(club=club, user_id=user_id)


@transaction.atomic
def club_owner_membership_ensure(*, club: Club) -> None:
    """Make the club's owner an active club admin (creating the row if needed). The capacity check
    is the caller's (the admin counts the owner in when it validates the members)."""
    club = club_lock(club_id=club.pk)
    if club.owner_id is None:
        return
    member = ClubMember.objects.filter(club=club, user_id=club.owner_id).first()
    if member is None:
        ClubMember.objects.create(club=club, user_id=club.owner_id, role=ClubRole.ADMIN)
    elif not member.is_active or member.role != ClubRole.ADMIN:
        member.is_active, member.role = True, ClubRole.ADMIN
        member.save(update_fields=["is_active", "role"])
