"""The request span of opentelemetry-instrumentation-django, at a lower fixed cost (core/tracing.py).

Imported only when tracing is installed. Two changes to the instrumentation's middleware, both
invisible in an exported trace:

- The span is named `GET` when it starts and renamed `GET <route>` when the response passes, from
  the URL resolution Django did anyway. The instrumentation resolves the URL a second time before
  the view only to name the span, which cost about as much as the rest of its work together, for
  every request, sampled or not (the sampler does not look at the name:
  `bench/profile_requests.py` with tracing on, docs/performance.md).
- A request that is not sampled suppresses the instrumentation below it: its SQL statements would
  only open spans that are never recorded (their parent is not sampled), at some 60 Python calls
  each. The request span itself still exists, so log lines keep their `trace_id` and `span_id`,
  and jobs deferred by the request still carry its trace context (linked, not recorded).
"""

from __future__ import annotations

from opentelemetry import context
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.django.middleware.otel_middleware import _DjangoMiddleware
from opentelemetry.instrumentation.utils import _SUPPRESS_INSTRUMENTATION_KEY

# The context token of the suppression, in request.META like the instrumentation's own keys.
_SUPPRESSED_KEY = "bookwork.tracing.suppressed"


class TracingMiddleware(_DjangoMiddleware):
    """opentelemetry-instrumentation-django's middleware with the two changes of the module."""

    @staticmethod
    def _get_span_name(request) -> str:
        return request.method

    def process_request(self, request):
        super().process_request(request)
        span = request.META.get(self._environ_span_key)
        if span is not None and not span.is_recording():
            request.META[_SUPPRESSED_KEY] = context.attach(context.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))

    def process_response(self, request, response):
        # Detached first: it was attached after (on top of) the span's own context.
        token = request.META.pop(_SUPPRESSED_KEY, None)
        if token is not None:
            context.detach(token)
        span = request.META.get(self._environ_span_key)
        match = getattr(request, "resolver_match", None)
        if span is not None and span.is_recording() and match is not None and match.route:
            span.update_name(f"{request.method} {match.route}")
        return super().process_response(request, response)


class DjangoTracing(DjangoInstrumentor):
    """DjangoInstrumentor that puts `TracingMiddleware` in MIDDLEWARE instead of its own (and takes
    it out again on `uninstrument`)."""

    _opentelemetry_middleware = f"{TracingMiddleware.__module__}.{TracingMiddleware.__qualname__}"
