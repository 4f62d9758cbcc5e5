"""Routes of the events app under /api/v1/ (events, their RSVPs and their items)."""

from django.urls import include, path

from events import views

urlpatterns = [
    path("clubs/<str:club_id>/events/", views.ClubEventListView.as_view(), name="club-events"),
    path("events/", views.EventListView.as_view(), name="events"),
    path("events/<str:event_id>/", views.EventDetailView.as_view(), name="event-detail"),
    path("events/<str:event_id>/cancel/", views.EventCancelView.as_view(), name="event-cancel"),
    path("events/<str:event_id>/calendar.ics", views.EventCalendarView.as_view(), name="event-calendar"),
    path("events/<str:event_id>/availability/", include("events.availability.urls")),
    path("events/<str:event_id>/items/", include("events.items.urls")),
]
