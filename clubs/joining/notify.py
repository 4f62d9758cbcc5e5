"""What getting into a club tells people, through `notifications.services` (in the caller's
transaction: a write that rolls back tells nobody), and the invitation email to an address that
has no account yet (a job deferred in the same transaction, `clubs.joining.tasks`)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from procrastinate.contrib.django import app as jobs_app

from accounts.models import User
from clubs.joining.models import Invite, JoinRequest
from clubs.models import Club, ClubMember
from clubs.permissions import MANAGER_ROLES
from core.context import job_origin
from notifications import kinds
from notifications.services import EMAIL_QUEUE, notifications_create

INVITE_EMAIL_TASK = "joining.send_invite_email"


def invite_url(code: str) -> str:
    """The address a person opens to see and accept an invite: PUBLIC_URL plus the web app's page."""
    return settings.PUBLIC_URL + reverse("web:invite", kwargs={"code": code})


def club_url(club_id) -> str:
    return settings.PUBLIC_URL + reverse("web:club", kwargs={"club_id": str(club_id)})


def _manager_ids(club: Club) -> list:
    return list(
        ClubMember.objects.filter(club=club, is_active=True, role__in=MANAGER_ROLES)
        .order_by("joined_date", "id")
        .values_list("user_id", flat=True)
    )


def notify_join_request(*, join_request: JoinRequest) -> None:
    """`join_request` to the club's active moderators and admins."""
    club = join_request.club
    notifications_create(
        kind=kinds.JOIN_REQUEST,
        user_ids=_manager_ids(club),
        context={"actor": join_request.user.name, "club": club.name},
        club=club,
        data={"club_name": club.name, "url": club_url(club.pk), "join_request": str(join_request.pk)},
    )


def notify_join_request_decided(*, join_request: JoinRequest) -> None:
    """`join_request_decided` to the requester (approved or declined)."""
    club = join_request.club
    notifications_create(
        kind=kinds.JOIN_REQUEST_DECIDED,
        user_ids=[join_request.user_id],
        context={"club": club.name, "decision": join_request.status},
        club=club,
        data={"club_name": club.name, "url": club_url(club.pk), "join_request": str(join_request.pk)},
    )


def notify_invite(*, invite: Invite, actor) -> None:
    """Tell the invited person: a `club_invite` notification (with the link and its code) to the
    registered user the invite names (by id, or by an email that has an active account); an email
    with the link to an address with no account (registering and then opening it joins). Link
    invites name nobody and tell nobody."""
    recipient = invite.user_id
    if recipient is None and invite.email is not None:
        recipient = User.objects.filter(email=invite.email, is_active=True).values_list("pk", flat=True).first()
        if recipient is None:
            invite_email_defer(invite=invite)
            return
    if recipient is None:
        return
    club = invite.club
    notifications_create(
        kind=kinds.CLUB_INVITE,
        user_ids=[recipient],
        context={"actor": actor.name, "club": club.name},
        club=club,
        data={"club_name": club.name, "url": invite_url(invite.code), "code": invite.code, "role": invite.role},
    )


def invite_email_defer(*, invite: Invite) -> None:
    """Defer the invitation email to `invite.email` (when email is enabled), in this transaction."""
    if not settings.EMAIL_ENABLED:
        return
    jobs_app.configure_task(INVITE_EMAIL_TASK, queue=EMAIL_QUEUE).defer(invite_id=str(invite.pk), origin=job_origin())
