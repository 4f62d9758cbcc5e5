"""Invitations: a club's offer of a role, by an unguessable code, that a person accepts.

- Codes: `secrets.token_urlsafe(32)` (256 random bits; the contract asks for at least 128).
- Who invites: club moderators as `member` or `guest`, club admins and site admins any club role
  (`ClubAccess.can_invite_with_role`). `POST /clubs/{id}/members/` by a moderator or club admin
  is a personal invite (`member_invite`); only site admins still add directly.
- Who may use a code: anyone holding a link invite; only the named user (by id) or the account
  of the named email (case-insensitively) for a personal one. Every unusable case (unknown,
  expired, revoked, used up, someone else's) raises the same `Http404`.
- Capacity: accepting locks the club (core/locks.py), re-reads the invite under that lock, admits
  with the club's recount (`clubs.services.member_admit`) and counts the use; `uses <= max_uses`
  is also a CHECK. Every use of an invite happens under its club's lock, so concurrent accepts of
  one link queue there and exactly `max_uses` of them succeed.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from accounts.models import UserManager
from clubs import services as club_services
from clubs.joining import notify
from clubs.joining.models import Invite
from clubs.models import Club, ClubMember, ClubRole
from clubs.selectors import club_access, is_active_member
from core.exceptions import Conflict
from core.locks import retry_on_conflict

CODE_BYTES = 32  # secrets.token_urlsafe(32): 256 random bits, 43 characters
DEFAULT_EXPIRY_HOURS = 7 * 24
MAX_EXPIRY_HOURS = 30 * 24
DEFAULT_LINK_USES = 10
MAX_USES = 1000


def invite_code_new() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def invites_manage_check(*, access) -> None:
    """403 unless the caller may see and manage the club's invites (moderators, admins, site
    admins). The views ask before they read a body."""
    if not access.can_manage_invites():
        raise PermissionDenied("Only club moderators and admins manage invites.")


def invite_create_check(*, actor, club: Club, role: str) -> None:
    """403 unless `actor` may create an invite of `club` granting `role` (for forms that validate
    before `invite_create`, which asks again under the club lock)."""
    _role_check(access=club_access(user=actor, club=club), role=role)


def _role_check(*, access, role: str) -> None:
    if not access.can_invite_with_role(role):
        raise PermissionDenied(f"You may not invite with role {role!r}.")


def _usable(queryset):
    """The invites of `queryset` that can still be used (not revoked, not expired, not used up)."""
    return queryset.filter(revoked=False, expires_at__gt=timezone.now(), uses__lt=F("max_uses"))


@retry_on_conflict
@transaction.atomic
def invite_create(
    *,
    actor,
    club_id,
    email: str | None = None,
    role: str = ClubRole.MEMBER,
    max_uses: int | None = None,
    expires_in_hours: int | None = None,
) -> Invite:
    """A new invite of the club: personal when `email` names someone (one use; `max_uses` other
    than 1 is a 400), else a link (`max_uses` default 10). Expires in `expires_in_hours` (default
    168, at most 720; validated by the serializer). 403 for a role the caller may not grant. The
    named person is told (`notify.notify_invite`)."""
    club = club_services.club_lock(club_id=club_id)
    _role_check(access=club_access(user=actor, club=club), role=role)
    if email is not None:
        if max_uses not in (None, 1):
            raise ValidationError(
                {"max_uses": ValidationError("An invite for one email is used once.", code="personal_invite")}
            )
        max_uses = 1
    invite = _invite_new(
        club=club,
        actor=actor,
        email=UserManager.normalize_email_address(email) if email is not None else None,
        role=role,
        max_uses=DEFAULT_LINK_USES if max_uses is None else max_uses,
        expires_in_hours=expires_in_hours,
    )
    notify.notify_invite(invite=invite, actor=actor)
    return invite


def _invite_new(*, club: Club, actor, role: str, max_uses: int, email=None, user=None, expires_in_hours=None):
    hours = DEFAULT_EXPIRY_HOURS if expires_in_hours is None else expires_in_hours
    invite = Invite.objects.create(
        club=club,
        code=invite_code_new(),
        email=email,
        user=user,
        role=role,
        max_uses=max_uses,
        expires_at=timezone.now() + dt.timedelta(hours=hours),
        created_by=actor,
    )
    invite.club = club
    return invite


@retry_on_conflict
@transaction.atomic
def member_invite(*, actor, club_id, user=None, email: str | None = None, role: str = ClubRole.MEMBER):
    """`POST /clubs/{id}/members/` by a club moderator or admin: a personal invite for `user`
    (by id) or `email`, never a membership. Returns (invite, created): repeating it for the same
    person while their invite is usable returns that invite (its role set to `role`, which the
    caller must be allowed to grant: 403). 409 `already_member` for an active member named by id.

    An invite by id stores the user, not their address: the inviter never sees the email or the
    phone of someone who has not accepted."""
    club = club_services.club_lock(club_id=club_id)  # also serializes repeats into one invite
    _role_check(access=club_access(user=actor, club=club), role=role)
    if user is not None and is_active_member(user_id=user.pk, club_id=club.pk):
        raise Conflict("The user is already a member of this club.", code="already_member")
    email = UserManager.normalize_email_address(email) if email is not None else None
    person = Q(user=user) if user is not None else Q(email=email)
    existing = _usable(Invite.objects.filter(club=club).filter(person)).order_by("-created_at", "id").first()
    if existing is not None:
        if existing.role != role:
            existing.role = role
            existing.save(update_fields=["role"])
        existing.club = club
        return existing, False
    invite = _invite_new(club=club, actor=actor, role=role, max_uses=1, email=email, user=user)
    notify.notify_invite(invite=invite, actor=actor)
    return invite, True


@transaction.atomic
def member_add_or_invite(*, actor, club_id, user=None, email: str | None = None, role: str = ClubRole.MEMBER):
    """What `POST /clubs/{id}/members/` does: site admins add `user` directly (a membership; an
    `email` with no active account is a 400 for them), everyone else who may manage members gets
    a personal invite (`member_invite`). Returns (membership or None, invite or None, created)."""
    club = club_services.club_lock(club_id=club_id)
    if club_access(user=actor, club=club).can_add_member_directly():
        if user is None:
            raise ValidationError({"email": ValidationError("No active user with this email.", code="does_not_exist")})
        return club_services.member_add(actor=actor, club_id=club.pk, user=user, role=role), None, True
    # Named by email: the invite holds the address typed, whether or not it has an account, so the
    # answer does not tell the inviter who is registered.
    person = {"email": email} if email is not None else {"user": user}
    invite, created = member_invite(actor=actor, club_id=club.pk, role=role, **person)
    return None, invite, created


@retry_on_conflict
@transaction.atomic
def invite_revoke(*, actor, club_id, invite_id) -> None:
    """Revoke the club's invite (its code stops working at once; revoking again changes nothing).
    404 for another club's or an unknown invite; 403 unless the caller may grant its role."""
    club = club_services.club_lock(club_id=club_id)
    access = club_access(user=actor, club=club)
    invites_manage_check(access=access)
    invite = Invite.objects.filter(pk=invite_id, club=club).first()
    if invite is None:
        raise Http404
    _role_check(access=access, role=invite.role)
    if not invite.revoked:
        invite.revoked = True
        invite.save(update_fields=["revoked"])


def invite_for(*, user, code: str) -> Invite:
    """The usable invite of `code` that `user` may use, with its club and author; the same
    `Http404` for an unknown, expired, revoked, used-up or someone else's code."""
    if not isinstance(code, str) or not code or len(code) > 64:
        raise Http404
    invite = _usable(Invite.objects.select_related("club", "created_by").filter(code=code)).first()
    if invite is None:
        raise Http404
    if invite.user_id is not None and invite.user_id != user.pk:
        raise Http404
    if invite.email is not None and invite.email != UserManager.normalize_email_address(user.email or ""):
        raise Http404
    return invite


@retry_on_conflict
@transaction.atomic
def invite_accept(*, actor, code: str) -> ClubMember:
    """`actor` accepts the invite of `code`: they become an active member with its role (409
    `already_member`, `club_full`; 404 as `invite_for`). Under the club lock the invite is read
    again, so a revoke, the last use or the club filling up that committed first is seen."""
    invite = invite_for(user=actor, code=code)
    club = club_services.club_lock(club_id=invite.club_id)
    invite = invite_for(user=actor, code=code)
    member = club_services.member_admit(club=club, user=actor, role=invite.role)
    Invite.objects.filter(pk=invite.pk).update(uses=F("uses") + 1)
    return member
