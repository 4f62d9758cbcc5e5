"""Health probes and the JSON error pages used outside DRF views."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from bookwork.middleware import json_error

logger = logging.getLogger(__name__)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches no database."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers and no migration is unapplied; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        logger.warning("readiness check failed: database unreachable (%s)", error.__class__.__name__)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    if pending:
        return JsonResponse({"status": "unavailable", "database": "ok", "pending_migrations": len(pending)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _is_admin(request: HttpRequest) -> bool:
    return request.path.startswith("/admin/")


def not_found(request: HttpRequest, exception=None):
    if _is_admin(request):
        from django.views.defaults import page_not_found

        return page_not_found(request, exception)
    return json_error(404, "not_found", "Not found.", request)


def server_error(request: HttpRequest):
    if _is_admin(request):
        from django.views.defaults import server_error as html_server_error

        return html_server_error(request)
    return json_error(500, "error", "A server error occurred.", request)


def bad_request(request: HttpRequest, exception=None):
    return json_error(400, "bad_request", "Bad request.", request)


def permission_denied(request: HttpRequest, exception=None):
    if _is_admin(request):
        from django.views.defaults import permission_denied as html_permission_denied

        return html_permission_denied(request, exception)
    return json_error(403, "permission_denied", "You do not have permission to perform this action.", request)
