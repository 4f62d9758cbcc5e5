"""Request ids, access logging, metrics, the body-size cap, and JSON errors outside DRF views.

Order in `MIDDLEWARE` (outermost first): `RequestIdMiddleware` (id, log context, access log),
`MetricsMiddleware` (counts every answer, including those of the middlewares below it),
Django's security/static/CORS middlewares, then `JsonErrorMiddleware`, which turns every error
answer made by the layers inside it into the contract's JSON shape.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.throttling import BaseThrottle

from bookwork import metrics
from core.exceptions import transaction_conflict
from core.locks import conflict_kind
from core.request_context import request_id_var, user_id_var
from web.middleware import is_web_page

access_log = logging.getLogger("bookwork.access")
error_log = logging.getLogger("bookwork.errors")

_CLIENT_IDENT = BaseThrottle()
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

# Error codes for error answers that Django (not DRF) produced as HTML or plain text.
_STATUS_CODES = {
    400: ("bad_request", "Bad request."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    406: ("not_acceptable", "Could not satisfy the request Accept header."),
    413: ("request_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Unsupported media type in request."),
    429: ("throttled", "Request was throttled."),
    500: ("error", "A server error occurred."),
    503: ("service_unavailable", "The service is unavailable; try again shortly."),
}
# Headers of an error answer that must survive its conversion to JSON.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")

DATABASE_UNAVAILABLE = ("database_unavailable", "The database is unavailable; try again shortly.")


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


def database_unavailable(request: HttpRequest | None = None) -> JsonResponse:
    response = json_error(503, *DATABASE_UNAVAILABLE, request)
    response["Retry-After"] = "5"
    return response


def is_admin_path(request: HttpRequest) -> bool:
    return request.path.startswith("/admin/")


def _user_id(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return str(user.pk)
    return user_id_var.get()


class RequestIdMiddleware:
    """Give each request an id (a sane incoming `X-Request-ID` is kept), return it in the response
    header, expose it to log records, and write one access-log line per request.

    Under gunicorn the access line is written by gunicorn's logger (`bookwork.logging.
    GunicornLogger`), which reads the request id, user id and view from the WSGI environ set here,
    so each request is logged once; elsewhere (runserver, tests) this middleware writes it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        request.META["bookwork.request_id"] = request_id
        # The address the throttles count by (NUM_PROXIES trusted X-Forwarded-For hops), for logs.
        request.META["bookwork.client_ip"] = _CLIENT_IDENT.get_ident(request)
        id_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            user_id = _user_id(request)
            request.META["bookwork.user_id"] = user_id
            if request.path not in _QUIET_PATHS and "gunicorn.socket" not in request.META:
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
                        "client_ip": request.META["bookwork.client_ip"],
                    },
                )
            return response
        finally:
            request_id_var.reset(id_token)
            user_id_var.reset(user_token)


class MetricsMiddleware:
    """Count and time every request by view, method and status, and count its SQL statements.

    The query hook is installed on the connection of the serving thread for the duration of the
    request only, so management commands and start-up queries are not counted.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            with connection.execute_wrapper(metrics.query_counter):
                response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            match = getattr(request, "resolver_match", None)
            view = (match.view_name or match.route or "unnamed") if match is not None else "unmatched"
            request.META["bookwork.view"] = view
            metrics.observe_request(
                view=view, method=request.method, status=status, seconds=time.perf_counter() - started
            )


class JsonErrorMiddleware:
    """Every error answer outside the admin and the web app's pages is JSON in the contract's shape.

    - A declared body larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` is refused with 413 before anything
      reads it (DRF's parsers read the stream directly and would not apply Django's cap).
    - Database outages raised by a view answer 503 instead of 500; a deadlock, serialization
      failure or lock timeout is no outage: 409 `transaction_conflict`.
    - HTML or plain-text error answers of Django itself (405 from `require_GET`, a CSRF 403, ...)
      are replaced by JSON with the same status and the headers that matter (`Allow`, ...).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_admin_path(request):
            return self.get_response(request)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(400, "bad_request", "Invalid Content-Length header.", request)
        if declared > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return json_error(
                413,
                "request_too_large",
                f"The request body exceeds {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
                request,
            )
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response) and not is_web_page(request):
            response = self._as_json(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if conflict_kind(exception) is not None:
            # A lost race, not an outage (a DRF view's handler answers these itself).
            conflict = transaction_conflict(exception)
            return json_error(conflict.status_code, conflict.default_code, str(conflict.detail), request)
        if isinstance(exception, (OperationalError, InterfaceError)):
            error_log.error("database unavailable: %s", exception.__class__.__name__, exc_info=exception)
            return database_unavailable(request)
        if isinstance(exception, RequestDataTooBig) and not is_admin_path(request):
            return json_error(413, "request_too_large", "The request body is too large.", request)
        return None

    @staticmethod
    def _as_json(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        code, detail = _STATUS_CODES.get(
            response.status_code, ("error" if response.status_code >= 500 else "client_error", response.reason_phrase)
        )
        converted = json_error(response.status_code, code, detail, request)
        for header in _KEPT_HEADERS:
            if header in response:
                converted[header] = response[header]
        return converted


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith(("application/json", "application/problem+json"))
