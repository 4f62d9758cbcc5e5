"""Reads of clubs and memberships, always scoped to what the caller may see.

A club the caller may not see is indistinguishable from one that does not exist: the getters
raise `Http404` for both, and for a malformed id.
"""

from __future__ import annotations

import uuid

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from clubs.models import Club, ClubMember
from clubs.permissions import ClubAccess, is_site_admin


def parse_uuid(value) -> uuid.UUID:
    """A UUID from a path or query value; a malformed one is a 404, like an unknown id."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None


def active_memberships(user) -> QuerySet[ClubMember]:
    return ClubMember.objects.filter(user=user, is_active=True)


def clubs_visible_to(user) -> QuerySet[Club]:
    """Public clubs and clubs where `user` is an active member; every club for site admins."""
    if is_site_admin(user):
        return Club.objects.all()
    member_of = ClubMember.objects.filter(club=OuterRef("pk"), user=user, is_active=True)
    return Club.objects.filter(Q(is_public=True) | Exists(member_of))


def club_get_visible(*, user, club_id) -> Club:
    """The club with `club_id` if `user` may see it, else Http404."""
    club = clubs_visible_to(user).filter(pk=parse_uuid(club_id)).first()
    if club is None:
        raise Http404
    return club


def club_get_visible_with_access(*, user, club_id) -> tuple[Club, ClubAccess]:
    """Like `club_get_visible`, plus the caller's `ClubAccess`, in one primary-key query (the
    caller's role is a subquery; visibility is decided by `ClubAccess.can_view`, the same rule
    `clubs_visible_to` writes in SQL)."""
    # UNIQUE (club, user): at most one row, so no ordering is needed.
    my_role = ClubMember.objects.filter(club=OuterRef("pk"), user=user, is_active=True).order_by().values("role")[:1]
    club = next(iter(Club.objects.filter(pk=parse_uuid(club_id)).annotate(my_role=Subquery(my_role)).order_by()), None)
    if club is None:
        raise Http404
    access = club_access(user=user, club=club, role=club.my_role)
    if not access.can_view():
        raise Http404
    return club, access


def club_role_of(*, user, club: Club) -> str | None:
    """The ACTIVE club role of `user` in `club`, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return ClubMember.objects.filter(club=club, user=user, is_active=True).values_list("role", flat=True).first()


def club_access(*, user, club: Club, role: str | None | type[...] = ...) -> ClubAccess:
    """What `user` may do in `club`. Pass `role` when it is already known (e.g. annotated)."""
    if role is ...:
        role = club_role_of(user=user, club=club)
    return ClubAccess(
        user_id=getattr(user, "pk", None),
        club_id=club.pk,
        owner_id=club.owner_id,
        club_is_public=club.is_public,
        role=role,
        site_admin=is_site_admin(user),
    )


def clubs_with_member_stats(queryset: QuerySet[Club], *, user) -> QuerySet[Club]:
    """Annotate `member_count` (active members) and `my_role` (the caller's active role or None).

    Both are correlated subqueries, so a page of clubs costs one query whatever its size.
    """
    active_count = (
        ClubMember.objects.filter(club=OuterRef("pk"), is_active=True)
        .order_by()
        .values("club")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # UNIQUE (club, user): at most one row, so no ordering is needed.
    my_role = ClubMember.objects.filter(club=OuterRef("pk"), user=user, is_active=True).order_by().values("role")[:1]
    return queryset.annotate(
        member_count=Coalesce(Subquery(active_count, output_field=IntegerField()), 0),
        my_role=Subquery(my_role),
    )


def clubs_list(*, user) -> QuerySet[Club]:
    """Clubs `user` may see, with `member_count` and `my_role`; filtering and ordering are the caller's."""
    return clubs_with_member_stats(clubs_visible_to(user), user=user)


def club_get_detail(*, user, club_id) -> Club:
    """Like `club_get_visible`, with the annotations of `clubs_list`."""
    club = clubs_list(user=user).filter(pk=parse_uuid(club_id)).first()
    if club is None:
        raise Http404
    return club


def club_members_list(*, club: Club) -> QuerySet[ClubMember]:
    """Every membership row of `club` (active and former), with the user loaded in the same query."""
    return ClubMember.objects.filter(club=club).select_related("user")


def club_member_get(*, club: Club, user_id) -> ClubMember:
    """The membership of `user_id` in THIS club (active or not); Http404 otherwise or when malformed."""
    member = club_members_list(club=club).filter(user_id=parse_uuid(user_id)).first()
    if member is None:
        raise Http404
    return member
