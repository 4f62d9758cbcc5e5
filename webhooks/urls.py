"""Routes of the webhooks app under /api/v1/ (docs/api.md)."""

from django.urls import path

from webhooks import views

urlpatterns = [
    path("clubs/<str:club_id>/webhooks/", views.WebhookListView.as_view(), name="club-webhooks"),
    path("clubs/<str:club_id>/webhooks/<str:webhook_id>/", views.WebhookDetailView.as_view(), name="club-webhook"),
    path(
        "clubs/<str:club_id>/webhooks/<str:webhook_id>/deliveries/",
        views.WebhookDeliveryListView.as_view(),
        name="club-webhook-deliveries",
    ),
    path(
        "clubs/<str:club_id>/webhooks/<str:webhook_id>/ping/", views.WebhookPingView.as_view(), name="club-webhook-ping"
    ),
]
