"""Routes of the clubs app under /api/v1/.

The member list (`clubs/{id}/members/`, whose POST now invites) and `clubs/{id}/join/` are served
by `clubs.joining.urls` (a higher layer: invitations and join requests notify people).

Club ids and member user ids are matched as any path segment and parsed by the views, so a
malformed id answers the same JSON 404 as an unknown one.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from clubs.views import ClubMemberViewSet, ClubViewSet

router = SimpleRouter()
router.register("clubs", ClubViewSet, basename="club")

member_detail = ClubMemberViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})

urlpatterns = [
    *router.urls,
    path("clubs/<str:club_id>/members/<str:user_id>/", member_detail, name="club-member-detail"),
]
