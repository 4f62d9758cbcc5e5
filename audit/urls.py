"""Routes of the audit app under /api/v1/ (club ids are parsed by the view: a malformed one is 404)."""

from django.urls import path

from audit.views import ClubActivityView

urlpatterns = [
    path("clubs/<str:club_id>/activity/", ClubActivityView.as_view(), name="club-activity"),
]
