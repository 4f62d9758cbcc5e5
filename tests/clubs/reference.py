"""The ORM formulation of the club reads that `clubs.selectors` answers with the SQL of
`clubs/sql.py` (`ClubRows`, `club_get_visible_with_access`): the reference ("oracle") the SQL is
tested against. It imports only models, Django and the filter form it narrows, never the code it
checks; it is not used by the app."""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Role
from clubs.filters import ClubFilter
from clubs.models import Club, ClubMember
from clubs.validators import parse_tag_query


def is_site_admin(user) -> bool:
    """Site admins see every club and event (written out again here, not imported)."""
    return bool(user.is_active and (user.role == Role.ADMIN or user.is_superuser))


def clubs_visible_to(user) -> QuerySet[Club]:
    """Public clubs and clubs where `user` is an active member; every club for site admins."""
    if is_site_admin(user):
        return Club.objects.all()
    member_of = ClubMember.objects.filter(club=OuterRef("pk"), user=user, is_active=True)
    return Club.objects.filter(Q(is_public=True) | Exists(member_of))


def clubs_list(*, user) -> QuerySet[Club]:
    """Clubs `user` may see, annotated with `member_count` (active members) and `my_role` (the
    caller's active role or None)."""
    active_count = (
        ClubMember.objects.filter(club=OuterRef("pk"), is_active=True)
        .order_by()
        .values("club")
        .annotate(n=Count("pk"))
        .values("n")
    )
    my_role = ClubMember.objects.filter(club=OuterRef("pk"), user=user, is_active=True).order_by().values("role")[:1]
    return clubs_visible_to(user).annotate(
        member_count=Coalesce(Subquery(active_count, output_field=IntegerField()), 0),
        my_role=Subquery(my_role),
    )


class ReferenceClubFilter(ClubFilter):
    """`ClubFilter` with its filters written in the ORM, as they were before `ClubRows`."""

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def filter_tags(self, queryset, name, value):
        tags = parse_tag_query(value)
        return queryset.filter(tags__overlap=tags) if tags else queryset

    def filter_member(self, queryset, name, value):
        mine = ClubMember.objects.filter(club=OuterRef("pk"), user=self.request.user, is_active=True)
        return queryset.filter(Exists(mine))
