"""Top-level routes: the versioned API under /api/v1/, the admin, probes and docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bookwork import views

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("accounts.urls")),
    path("", include("clubs.urls")),
    path("", include("events.urls")),
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler400 = "bookwork.views.bad_request"
handler403 = "bookwork.views.permission_denied"
handler404 = "bookwork.views.not_found"
handler500 = "bookwork.views.server_error"
