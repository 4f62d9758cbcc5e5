"""Routes of event items, included under /api/v1/events/<event_id>/items/."""

from django.urls import path

from events.items import views

urlpatterns = [
    path("", views.EventItemListView.as_view(), name="event-items"),
    path("<str:item_id>/", views.EventItemDetailView.as_view(), name="event-item-detail"),
]
