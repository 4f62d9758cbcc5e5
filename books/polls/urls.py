"""Routes of polls under /api/v1/ (ids matched as any segment: a malformed one is a 404)."""

from django.urls import path

from books.polls import views

urlpatterns = [
    path("clubs/<str:club_id>/polls/", views.ClubPollListView.as_view(), name="club-polls"),
    path("polls/<str:poll_id>/", views.PollDetailView.as_view(), name="poll"),
    path("polls/<str:poll_id>/vote/", views.PollVoteView.as_view(), name="poll-vote"),
    path("polls/<str:poll_id>/close/", views.PollCloseView.as_view(), name="poll-close"),
]
