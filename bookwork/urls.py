"""Top-level routes: the versioned API under /api/v1/, the admin, probes and docs, and the member
web app at the site root."""

from django.contrib import admin
from django.urls import include, path, reverse_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bookwork import views
from bookwork.api_index import ApiIndexView
from events.feed import CalendarFeedView

api_v1 = [
    path("", ApiIndexView.as_view(), name="api-index"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("accounts.urls")),
    # Before clubs.urls: it serves the clubs' `join/` and `members/` (POST invites), see its docstring.
    path("", include("clubs.joining.urls")),
    path("", include("clubs.urls")),
    path("", include("events.urls")),
    path("", include("notifications.urls")),
    path("", include("books.urls")),
    path("", include("books.polls.urls")),
    path("", include("audit.urls")),
    path("", include("webhooks.urls")),
]

# The admin speaks for Bookwork; "View site" opens the member web app at the site root.
admin.site.site_header = "Bookwork"
admin.site.site_title = "Bookwork admin"
admin.site.index_title = "Administration"
admin.site.site_url = reverse_lazy("web:home")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # A user's private calendar feed (events/feed.py): no authentication, the address is the secret.
    path("calendar/<str:token>.ics", CalendarFeedView.as_view(), name="calendar-feed"),
    path("api/v1/", include(api_v1)),
    # Last: the member web app owns every other path (web/urls.py).
    path("", include("web.urls")),
]

handler400 = "bookwork.views.bad_request"
handler403 = "bookwork.views.permission_denied"
handler404 = "bookwork.views.not_found"
handler500 = "bookwork.views.server_error"
