"""Routes of the clubs app under /api/v1/.

Club ids and member user ids are matched as any path segment and parsed by the views, so a
malformed id answers the same JSON 404 as an unknown one.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from clubs.views import ClubMemberViewSet, ClubViewSet

router = SimpleRouter()
router.register("clubs", ClubViewSet, basename="club")

member_list = ClubMemberViewSet.as_view({"get": "list", "post": "create"})
member_detail = ClubMemberViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})

urlpatterns = [
    *router.urls,
    path("clubs/<str:club_id>/members/", member_list, name="club-member-list"),
    path("clubs/<str:club_id>/members/<str:user_id>/", member_detail, name="club-member-detail"),
]
