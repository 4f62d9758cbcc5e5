"""Routes of notifications under /api/v1/."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notifications-read-all"),
    path("notifications/<str:notification_id>/read/", views.NotificationReadView.as_view(), name="notifications-read"),
    path(
        "auth/me/notification-settings/",
        views.NotificationSettingsView.as_view(),
        name="notifications-settings",
    ),
    path("unsubscribe/<str:token>/", views.UnsubscribeView.as_view(), name="notifications-unsubscribe"),
]
