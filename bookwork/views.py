"""Health probes, the metrics endpoint, and the JSON error pages used outside DRF views."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from bookwork import metrics as bookwork_metrics
from bookwork.graceful import draining
from bookwork.middleware import database_unavailable, is_admin_path, json_error
from web.middleware import is_web_page

logger = logging.getLogger(__name__)


@csrf_exempt  # no cookies involved; a wrong method should answer 405, not a CSRF 403
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches no database."""
    return JsonResponse({"status": "ok"})


def _missing_cache_tables() -> list[str]:
    """Database cache tables of settings.CACHES that do not exist (the throttles need them)."""
    wanted = [
        cache["LOCATION"]
        for cache in settings.CACHES.values()
        if cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    ]
    if not wanted:
        return []
    existing = set(connection.introspection.table_names())
    return [table for table in wanted if table not in existing]


@csrf_exempt
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when this instance should get traffic, else 503 naming what is wrong.

    503 while gunicorn drains before a shutdown (`"draining": true`, see bookwork/graceful.py),
    when the database does not answer, or when something `manage.py migrate` makes is missing:
    `missing` names each unapplied migration and absent cache table (`pending_migrations` counts
    the migrations).
    """
    if draining():
        return JsonResponse({"status": "unavailable", "draining": True}, status=503)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        missing_tables = _missing_cache_tables()
    except DatabaseError as error:
        logger.warning("readiness check failed: database unreachable (%s)", error.__class__.__name__)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    if pending or missing_tables:
        body = {"status": "unavailable", "database": "ok"}
        body["missing"] = [f"migration {migration.app_label}.{migration.name}" for migration, _ in pending]
        body["missing"] += [f"cache table {table}" for table in missing_tables]
        if pending:
            body["pending_migrations"] = len(pending)
        logger.warning("readiness check failed: %s", "; ".join(body["missing"]))
        return JsonResponse(body, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _metrics_access(request: HttpRequest) -> str:
    """`allowed`, `forbidden` (a wrong bearer token) or `hidden` (no credentials, address not listed).

    The address list applies only to requests that did not come through a proxy (no
    `X-Forwarded-For`/`Forwarded` header): behind a reverse proxy on the same host every request
    would otherwise come from 127.0.0.1.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() == "bearer" and presented.strip():
        token = settings.METRICS_TOKEN
        if token and hmac.compare_digest(presented.strip().encode(), token.encode()):
            return "allowed"
        return "forbidden"
    proxied = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META
    if not proxied and _address_allowed(request.META.get("REMOTE_ADDR", "")):
        return "allowed"
    return "hidden"


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@csrf_exempt
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for `Authorization: Bearer <METRICS_TOKEN>` or a `METRICS_ALLOWED_IPS` address.

    Anyone else gets 404 (the endpoint does not advertise itself); a wrong token gets 403.
    """
    access = _metrics_access(request)
    if access == "hidden":
        return json_error(404, "not_found", "Not found.", request)
    if access == "forbidden":
        logging.getLogger("bookwork.security").warning(
            "metrics scrape with a wrong token", extra={"remote_addr": request.META.get("REMOTE_ADDR")}
        )
        return json_error(403, "permission_denied", "You do not have permission to perform this action.", request)
    body, content_type = bookwork_metrics.render()
    return HttpResponse(body, content_type=content_type)


def _web_error_page(request: HttpRequest, status: int) -> HttpResponse:
    from django.shortcuts import render

    return render(request, f"web/{status}.html", status=status)


def not_found(request: HttpRequest, exception=None):
    if is_web_page(request):
        return _web_error_page(request, 404)
    if is_admin_path(request):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception)
    return json_error(404, "not_found", "Not found.", request)


def server_error(request: HttpRequest):
    """500 for an exception that escaped a view or a middleware; 503 when it was the database.

    Django calls this inside its `except` block, so the exception is the one being handled; it has
    already been logged with its traceback by `django.request`. The body never carries it.
    """
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return database_unavailable(request)
    if is_admin_path(request):
        from django.views.defaults import server_error as html_server_error

        return html_server_error(request)
    if is_web_page(request):
        from django.template.loader import render_to_string

        # No context processors: the failure may lie in what they read.
        return HttpResponse(render_to_string("web/500.html"), status=500)
    return json_error(500, "error", "A server error occurred.", request)


def bad_request(request: HttpRequest, exception=None):
    return json_error(400, "bad_request", "Bad request.", request)


def permission_denied(request: HttpRequest, exception=None):
    if is_web_page(request):
        return _web_error_page(request, 403)
    if is_admin_path(request):
        from django.views.defaults import permission_denied as html_permission_denied

        return html_permission_denied(request, exception)
    return json_error(403, "permission_denied", "You do not have permission to perform this action.", request)
