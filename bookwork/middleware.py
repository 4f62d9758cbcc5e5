"""Request ids, access logging, and JSON errors for responses made outside DRF views."""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from bookwork.request_context import request_id_var, user_id_var

access_log = logging.getLogger("bookwork.access")
error_log = logging.getLogger("bookwork.errors")

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def error_body(status: int, code: str, detail: str) -> dict:
    """The contract's error shape for one error without a field."""
    kind = "server_error" if status >= 500 else "client_error"
    return {"type": kind, "errors": [{"code": code, "detail": detail, "attr": None}]}


def json_error(status: int, code: str, detail: str, request: HttpRequest | None = None) -> JsonResponse:
    response = JsonResponse(error_body(status, code, detail), status=status)
    request_id = getattr(request, "request_id", None)
    if request_id:
        response["X-Request-ID"] = request_id
    return response


class RequestIdMiddleware:
    """Give each request an id (a sane incoming `X-Request-ID` is kept), return it in the response
    header, expose it to log records, and write one access-log line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            user = getattr(request, "user", None)
            user_id = (
                str(user.pk) if user is not None and getattr(user, "is_authenticated", False) else user_id_var.get()
            )
            if request.path not in ("/healthz", "/readyz", "/metrics"):
                access_log.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": duration_ms,
                        "user_id": user_id,
                    },
                )
            return response
        finally:
            request_id_var.reset(id_token)
            user_id_var.reset(user_token)


class JsonErrorMiddleware:
    """Answer database outages with 503 JSON instead of a 500 page, outside DRF views too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OperationalError, InterfaceError)):
            error_log.error("database unavailable: %s", exception.__class__.__name__, exc_info=exception)
            return json_error(503, "database_unavailable", "The database is unavailable; try again shortly.", request)
        return None
