"""Reads of join requests and invites. The club's lists are for its moderators and admins (the
views ask the services' `*_check` first); a user's own requests are theirs alone."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from clubs.joining import sql
from clubs.joining.models import Invite, JoinRequest, JoinRequestStatus
from clubs.models import Club
from clubs.selectors import club_active_member_count
from core.filters import StrictFilterSet
from core.sql import version_of


class JoinRequestFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=JoinRequestStatus.choices)

    class Meta:
        model = JoinRequest
        fields = ["status"]


def club_join_requests(*, club: Club) -> QuerySet[JoinRequest]:
    """Every join request of `club` (all statuses), oldest first, with the requester loaded."""
    return JoinRequest.objects.filter(club=club).select_related("user").order_by("created_at", "id")


def user_join_requests(*, user) -> QuerySet[JoinRequest]:
    """The caller's own join requests, newest first."""
    return JoinRequest.objects.filter(user=user).select_related("user").order_by("-created_at", "-id")


def club_invites(*, club: Club) -> QuerySet[Invite]:
    """Every invite of `club` (usable or not), newest first."""
    return Invite.objects.filter(club=club).order_by("-created_at", "id")


def invite_preview(*, invite: Invite) -> dict:
    """What the holder of a usable code sees before accepting (`invite` from `invites.invite_for`)."""
    club = invite.club
    author = invite.created_by
    return {
        "club": {
            "id": club.pk,
            "name": club.name,
            "description": club.description,
            "is_public": club.is_public,
            "member_count": club_active_member_count(club_id=club.pk),
            "max_members": club.max_members,
        },
        "role": invite.role,
        "expires_at": invite.expires_at,
        "invited_by": None if author is None else {"id": author.pk, "name": author.name},
    }


def my_join_requests_version(*, user) -> tuple:
    """What the lists of `user`'s own join requests are a function of (their `user.joins` scope),
    besides the caller's own name and avatar."""
    return version_of(sql.my_join_requests_version(), {"owner": user.pk})


def invite_club_version(*, invite: Invite) -> tuple:
    """What an invite's preview is a function of besides the invite's row: its club's stamp (the
    club's row, member count and members' names) and the club's `club.joins` scope (its invites)."""
    return version_of(sql.invite_club_version(), {"club": invite.club_id})
