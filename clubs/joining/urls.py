"""Routes of getting into a club under /api/v1/. Included BEFORE `clubs.urls` (bookwork/urls.py):
the club's `join/` and its member list (whose POST invites) are served here."""

from django.urls import path

from clubs.joining import invite_views, views

member_list = views.ClubMemberInviteViewSet.as_view({"get": "list", "post": "create"})

urlpatterns = [
    path("clubs/<str:club_id>/join/", views.ClubJoinView.as_view(), name="club-join"),
    path("clubs/<str:club_id>/members/", member_list, name="club-member-list"),
    path("clubs/<str:club_id>/join-requests/", views.ClubJoinRequestList.as_view(), name="club-join-request-list"),
    path(
        "clubs/<str:club_id>/join-requests/<str:request_id>/approve/",
        views.JoinRequestApproveView.as_view(),
        name="club-join-request-approve",
    ),
    path(
        "clubs/<str:club_id>/join-requests/<str:request_id>/decline/",
        views.JoinRequestDeclineView.as_view(),
        name="club-join-request-decline",
    ),
    path("join-requests/", views.MyJoinRequestList.as_view(), name="join-request-list"),
    path("join-requests/<str:request_id>/", views.MyJoinRequestDetail.as_view(), name="join-request-detail"),
    path("clubs/<str:club_id>/invites/", invite_views.ClubInviteList.as_view(), name="club-invite-list"),
    path(
        "clubs/<str:club_id>/invites/<str:invite_id>/",
        invite_views.ClubInviteDetail.as_view(),
        name="club-invite-detail",
    ),
    path("invites/<str:code>/", invite_views.InvitePreview.as_view(), name="invite-preview"),
    path("invites/<str:code>/accept/", invite_views.InviteAccept.as_view(), name="invite-accept"),
]
