"""Reads of the web app: a member's web sessions, and a club page's member cards."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from clubs.permissions import ClubAccess
from clubs.selectors import club_members_list
from web.models import WebSession


def web_sessions_of(*, user) -> QuerySet[WebSession]:
    """The user's unexpired web sessions, most recently used first."""
    return WebSession.objects.filter(user=user, expire_date__gt=timezone.now()).order_by("-updated_at")


def club_member_cards(*, club, access: ClubAccess) -> list[dict]:
    """The club's active members by name, each with whether the caller may see their email and
    phone: the rule of the API's member body (`ClubAccess.can_see_contacts_of`), so the page shows
    no contact the API would hide."""
    members = club_members_list(club=club).filter(is_active=True).order_by("user__name", "user_id")
    return [
        {"member": member, "contacts": access.can_see_contacts_of(member_user_id=member.user_id, member_is_active=True)}
        for member in members
    ]
