"""Routes of RSVPs, included under /api/v1/events/<event_id>/availability/."""

from django.urls import path

from events.availability import views

urlpatterns = [
    path("", views.AvailabilityListView.as_view(), name="event-availability"),
    path("me/", views.MyAvailabilityView.as_view(), name="event-availability-me"),
    path("<str:user_id>/", views.MemberAvailabilityView.as_view(), name="event-availability-member"),
]
