"""Routes of the accounts app under /api/v1/ (docs/api.md, "Accounts and auth")."""

from django.urls import path

from accounts import feed_views, views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login/", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh/", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", views.LogoutAllView.as_view(), name="auth-logout-all"),
    path("auth/password/", views.PasswordChangeView.as_view(), name="auth-password"),
    path("auth/me/", views.MeView.as_view(), name="auth-me"),
    path("auth/me/calendar-feed/", feed_views.CalendarFeedView.as_view(), name="auth-calendar-feed"),
    path(
        "auth/me/calendar-feed/rotate/", feed_views.CalendarFeedRotateView.as_view(), name="auth-calendar-feed-rotate"
    ),
    path("auth/sessions/", views.SessionListView.as_view(), name="auth-sessions"),
    path("auth/sessions/<str:session_id>/", views.SessionDetailView.as_view(), name="auth-session-detail"),
]
