"""Top-level routes: the versioned API under /api/v1/, the admin, probes and docs, and the member
web app at the site root."""

from django.contrib import admin
from django.urls import include, path, reverse_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import urls as accounts_urls
from audit import urls as audit_urls
from books import urls as books_urls
from books.polls import urls as polls_urls
from bookwork import views
from bookwork.api_index import ApiIndexView
from clubs import urls as clubs_urls
from clubs.joining import urls as joining_urls
from events import urls as events_urls
from events.feed import CalendarFeedView
from notifications import urls as notifications_urls
from webhooks import urls as webhooks_urls

# One flat list, the hottest routes first: Django tries the routes in order, and a miss inside an
# `include("")` costs a nested resolver and a copy of everything it tried, on every request
# (event detail resolved in ~20-45 us against ~45-65, a poll ~31 against ~63-95, timeit).
api_v1 = [
    *events_urls.urlpatterns,
    *clubs_urls.urlpatterns,
    *joining_urls.urlpatterns,
    *polls_urls.urlpatterns,
    *notifications_urls.urlpatterns,
    *accounts_urls.urlpatterns,
    *books_urls.urlpatterns,
    *audit_urls.urlpatterns,
    *webhooks_urls.urlpatterns,
    path("", ApiIndexView.as_view(), name="api-index"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
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
