"""The request span of opentelemetry-instrumentation-django, at a lower fixed cost (core/tracing.py).

Imported only when tracing is installed. `DjangoInstrumentor` still does the wiring (tracer,
excluded URLs, request and response hooks, the middleware's place first in MIDDLEWARE); the
middleware that runs per request is ours. The instrumentation's own middleware collects the
request's attributes for the sampler, resolves the URL a second time to name the span, builds the
absolute URL three times and records its HTTP metrics on every request, sampled or not: some 480
Python calls on a request that is not recorded (`bench/profile_requests.py` under tracing,
docs/performance.md). At a sampling ratio of 10%, nine requests in ten paid that for nothing.

Here the span is started first, with no attributes (the samplers of OTEL_TRACES_SAMPLER decide on
the trace id and the parent, not on attributes), and only a recorded span gets them:

- recorded: the same attributes as the instrumentation's (the WSGI semantic conventions it uses:
  method, scheme, host, URL, user agent, peer, captured headers, OTEL_PYTHON_DJANGO_TRACED_
  REQUEST_ATTRS; status and `http.route` from the response and Django's own URL resolution),
  named `<method> <route>`, the exception of a 500 recorded on it (`record_request_exception`);
- not recorded: the span still exists, so log lines keep their `trace_id` and `span_id` and jobs
  deferred by the request carry its trace context (linked, not recorded); the instrumentation
  below it is suppressed, so its SQL statements open no spans either.

What is dropped: the instrumentation's OpenTelemetry HTTP metrics (`http.server.duration`, active
requests). No MeterProvider is configured here, so they were recorded into a no-op meter; the
request metrics are Prometheus's (core/metrics.py).
"""

from __future__ import annotations

import logging
import sys

from django.core.signals import got_request_exception
from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.django.middleware.otel_middleware import _DjangoMiddleware
from opentelemetry.instrumentation.propagators import get_global_response_propagator
from opentelemetry.instrumentation.utils import _SUPPRESS_INSTRUMENTATION_KEY, extract_attributes_from_object
from opentelemetry.instrumentation.wsgi import (
    add_response_attributes,
    collect_custom_request_headers_attributes,
    collect_custom_response_headers_attributes,
    collect_request_attributes,
    wsgi_getter,
)
from opentelemetry.propagate import extract, get_global_textmap
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.http import (
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST,
    OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE,
    get_custom_headers,
)

logger = logging.getLogger(__name__)
_RECEIVER_UID = "bookwork.tracing.record_request_exception"


def record_request_exception(sender, request=None, **kwargs) -> None:
    """`got_request_exception` receiver: the exception being handled, on the request's span.

    Django sends the signal for an exception that escaped the view, and drf-standardized-errors
    (core/exceptions.py) for one a DRF view turned into a 500 itself (so error trackers still see
    it), both from inside the `except` block, with the request's span still current. A middleware's
    `process_exception` would see only the first kind."""
    exception = sys.exc_info()[1]
    span = trace.get_current_span()
    if exception is not None and span.is_recording():
        span.record_exception(exception)
        span.set_status(Status(StatusCode.ERROR, f"{type(exception).__qualname__}: {exception}"))


class TracingMiddleware:
    """A span per request (SERVER, continuing a W3C `traceparent`; INTERNAL under a span that is
    already current), attributes only when it is recorded. Configuration is what
    `DjangoInstrumentor.instrument()` set on the instrumentation's middleware class."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        # Read once per process, as the rest of the OTEL_* configuration is: the instrumentation
        # reads these variables again on every request, and builds a dict of every header before
        # finding that none is to be captured.
        self._capture_request_headers = bool(
            get_custom_headers(OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST)
        )
        self._capture_response_headers = bool(
            get_custom_headers(OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE)
        )
        self._propagator = None
        self._carrier_keys: tuple[str, ...] = ()

    def __call__(self, request):
        config = _DjangoMiddleware
        meta = request.META
        if config._excluded_urls.url_disabled(_url(request)):
            return self.get_response(request)
        if trace.get_current_span() is not trace.INVALID_SPAN:
            parent, kind = context.get_current(), SpanKind.INTERNAL
        elif self._carries_context(meta):
            parent, kind = extract(meta, getter=wsgi_getter), SpanKind.SERVER
        else:
            # What extract() returns when none of its headers is there: a new, empty context.
            parent, kind = Context(), SpanKind.SERVER
        span = config._tracer.start_span(request.method, context=parent, kind=kind)
        recording = span.is_recording()
        active = trace.set_span_in_context(span, parent)
        if recording:
            attributes = collect_request_attributes(meta, config._sem_conv_opt_in_mode)
            # OTEL_PYTHON_DJANGO_TRACED_REQUEST_ATTRS: attributes of the HttpRequest, by name.
            span.set_attributes(extract_attributes_from_object(request, config._traced_request_attrs, attributes))
            if kind is SpanKind.SERVER and self._capture_request_headers:
                span.set_attributes(collect_custom_request_headers_attributes(meta))
        else:
            active = context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True, active)
        token = context.attach(active)
        try:
            if config._otel_request_hook is not None:
                self._hook(config._otel_request_hook, span, request)
            response = self.get_response(request)
            if recording:
                self._record_response(span, kind, request, response)
            if propagator := get_global_response_propagator():
                propagator.inject(response)
            if config._otel_response_hook is not None:
                self._hook(config._otel_response_hook, span, request, response)
            return response
        finally:
            context.detach(token)
            span.end()

    def _carries_context(self, meta) -> bool:
        """Whether the request has a header the global propagator reads (OTEL_PROPAGATORS; by
        default `traceparent`, `tracestate`, `baggage`). Most requests have none, and extracting
        from nothing costs more than this test."""
        propagator = get_global_textmap()
        if propagator is not self._propagator:
            self._propagator = propagator
            self._carrier_keys = tuple(f"HTTP_{field.upper().replace('-', '_')}" for field in propagator.fields)
        return not meta.keys().isdisjoint(self._carrier_keys)

    def _record_response(self, span, kind: SpanKind, request, response) -> None:
        match = getattr(request, "resolver_match", None)
        if match is not None and match.route:
            # The route of Django's own URL resolution: the instrumentation resolved a second time.
            span.update_name(f"{request.method} {match.route}")
            span.set_attribute(HTTP_ROUTE, match.route)
        add_response_attributes(
            span,
            f"{response.status_code} {response.reason_phrase}",
            response.items(),
            sem_conv_opt_in_mode=_DjangoMiddleware._sem_conv_opt_in_mode,
        )
        if kind is SpanKind.SERVER and self._capture_response_headers:
            span.set_attributes(collect_custom_response_headers_attributes(response.items()))

    @staticmethod
    def _hook(hook, *args) -> None:
        """Call a configured request or response hook (the caller skips an unset one)."""
        try:
            hook(*args)
        except Exception:
            # As the instrumentation does: a failing hook must not fail the request or leak the span.
            logger.exception("tracing hook %s failed", getattr(hook, "__qualname__", hook))


def _url(request) -> str:
    """The URL that OTEL_PYTHON_DJANGO_EXCLUDED_URLS is matched against: scheme, host and path as
    the WSGI server received them. The instrumentation used Django's `get_host()`, which validates
    the host against ALLOWED_HOSTS first (CommonMiddleware validates it later, inside the span)."""
    meta = request.META
    host = meta.get("HTTP_HOST") or f"{meta.get('SERVER_NAME', '')}:{meta.get('SERVER_PORT', '')}"
    return f"{meta.get('wsgi.url_scheme', 'http')}://{host}{request.path}"


class DjangoTracing(DjangoInstrumentor):
    """DjangoInstrumentor that puts `TracingMiddleware` in MIDDLEWARE instead of its own, and
    records a request's exception on its span (`record_request_exception`); `uninstrument` undoes
    both."""

    _opentelemetry_middleware = f"{TracingMiddleware.__module__}.{TracingMiddleware.__qualname__}"

    def _instrument(self, **kwargs) -> None:
        super()._instrument(**kwargs)
        got_request_exception.connect(record_request_exception, dispatch_uid=_RECEIVER_UID)

    def _uninstrument(self, **kwargs) -> None:
        got_request_exception.disconnect(dispatch_uid=_RECEIVER_UID)
        super()._uninstrument(**kwargs)
