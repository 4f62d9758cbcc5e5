"""HTTP for the audit history: a club's activity feed."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from audit import services
from audit.selectors import club_activity_list, user_names
from audit.serializers import ActivityEntrySerializer, activity_representation, people_in
from clubs.models import Club
from clubs.openapi import CLUB_ID_NESTED_PARAMETER, COMMON_ERRORS, FORBIDDEN_403, NOT_FOUND_404
from clubs.selectors import club_version
from core import conditional


class ClubActivityView(GenericAPIView):
    # For the schema only (the club id parameter's model); the feed comes from audit.selectors.
    queryset = Club.objects.none()
    serializer_class = ActivityEntrySerializer

    @extend_schema(
        summary="A club's activity: who changed what",
        description=(
            "Every recorded change to the club, its memberships, its events and their RSVPs and items, "
            "newest first, with the old and new values, who made it and through which channel "
            "(api, admin, web, command, worker). Club admins and site admins; other members get 403, "
            "a club the caller may not see 404. Kept for HISTORY_RETENTION_DAYS (365 by default)."
        ),
        parameters=[CLUB_ID_NESTED_PARAMETER],
        responses={200: ActivityEntrySerializer(many=True), 403: FORBIDDEN_403, 404: NOT_FOUND_404, **COMMON_ERRORS},
    )
    def get(self, request: Request, club_id: str) -> Response:
        # Every history row is written with a change that bumps the club's stamp or one of its
        # events' (their version: `with_events`); `site.history`: pruning. The names the page
        # shows are part of the tag as read: an actor may belong to neither the club nor its
        # events (staff, a former outsider), and renaming them bumps no stamp of this club.
        version = club_version(user=request.user, club_id=club_id, with_events=True, scopes=("site.history",))
        services.activity_view_check(access=version.access)
        page = self.paginate_queryset(club_activity_list(club=version.club))
        names = user_names(people_in(page))
        shown = sorted(names.items())
        tag, answer = conditional.check(request, *version.parts, shown, conditional.caller(request.user))
        if answer is not None:
            return answer
        return conditional.tagged(
            self.get_paginated_response([activity_representation(row, names) for row in page]), tag
        )
