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
from opentelemetry.propagate import extract
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE
from opentelemetry.trace import SpanKind, Status, StatusCode

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

    def __call__(self, request):
        config = _DjangoMiddleware
        # The instrumentation's rule, on the same URL (scheme, host, path), once per request.
        if config._excluded_urls.url_disabled(f"{request.scheme}://{request.get_host()}{request.path}"):
            return self.get_response(request)
        meta = request.META
        if trace.get_current_span() is trace.INVALID_SPAN:
            parent, kind = extract(meta, getter=wsgi_getter), SpanKind.SERVER
        else:
            parent, kind = context.get_current(), SpanKind.INTERNAL
        span = config._tracer.start_span(request.method, context=parent, kind=kind)
        recording = span.is_recording()
        active = trace.set_span_in_context(span, parent)
        if recording:
            attributes = collect_request_attributes(meta, config._sem_conv_opt_in_mode)
            # OTEL_PYTHON_DJANGO_TRACED_REQUEST_ATTRS: attributes of the HttpRequest, by name.
            span.set_attributes(extract_attributes_from_object(request, config._traced_request_attrs, attributes))
            if kind is SpanKind.SERVER and (headers := collect_custom_request_headers_attributes(meta)):
                span.set_attributes(headers)
        else:
            active = context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True, active)
        token = context.attach(active)
        try:
            self._hook(config._otel_request_hook, span, request)
            response = self.get_response(request)
            if recording:
                self._record_response(span, kind, request, response)
            if propagator := get_global_response_propagator():
                propagator.inject(response)
            self._hook(config._otel_response_hook, span, request, response)
            return response
        finally:
            context.detach(token)
            span.end()

    @staticmethod
    def _record_response(span, kind: SpanKind, request, response) -> None:
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
        if kind is SpanKind.SERVER and (headers := collect_custom_response_headers_attributes(response.items())):
            span.set_attributes(headers)

    @staticmethod
    def _hook(hook, *args) -> None:
        if hook is None:
            return
        try:
            hook(*args)
        except Exception:
            # As the instrumentation does: a failing hook must not fail the request or leak the span.
            logger.exception("tracing hook %s failed", getattr(hook, "__qualname__", hook))


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
