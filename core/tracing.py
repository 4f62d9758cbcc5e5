"""OpenTelemetry tracing: a span per HTTP request and per SQL statement, exported over OTLP.

Installed only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is
set and `OTEL_SDK_DISABLED` is not true; otherwise nothing is imported or wrapped, and the few
hooks elsewhere (`current_ids`, `trace_context_current`, `job_span`) return at once.

- gunicorn calls `install_from_env()` in each worker right after fork (gunicorn.conf.py), so the
  exporter's thread and connections belong to the worker; `shutdown()` flushes on worker exit.
- Requests: opentelemetry-instrumentation-django puts a middleware first in `MIDDLEWARE` (ours,
  core/tracing_django.py: no second URL resolution to name the span; no attributes collected and
  no SQL spans opened for a request that is not sampled); a W3C `traceparent` header from the
  proxy or the client is continued. /healthz, /readyz and /metrics are not traced (unless
  OTEL_PYTHON_DJANGO_EXCLUDED_URLS says otherwise).
- SQL: opentelemetry-instrumentation-psycopg wraps every psycopg connection, so the ORM's and the
  hand-written SQL (a `connection.cursor()` is a psycopg cursor) are spans, children of the
  request's span, carrying the statement text (`db.statement`) and never its parameters
  (`capture_parameters` stays off; the values travel separately from the text). Django's
  connection health check (`SELECT 1`) is not a span (`_health_check_untraced`).
- Service name, resource attributes, sampler and batching come from the standard variables:
  OTEL_SERVICE_NAME (default `bookwork`), OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER and
  OTEL_TRACES_SAMPLER_ARG (e.g. `parentbased_traceidratio` and `0.1`), OTEL_EXPORTER_OTLP_HEADERS,
  OTEL_BSP_* (see .env.example).
- Export: the library's OTLP/HTTP exporter (batched by BatchSpanProcessor) with our encoder of
  the spans' protobuf, core/otlp.py, which writes the library's bytes for less than half its work.
- A SQL statement run outside any span (the worker's job queue polling, start-up queries) is not
  traced: a trace of one query with no request or job around it is noise (`_skip_stray_queries`).
- Jobs: `trace_context_current()` is stored with a job's arguments when it is deferred; the worker
  runs the job inside `job_span(name, carrier)`, a new trace linked to the deferring request's span.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Mapping
from typing import Any

DEFAULT_SERVICE_NAME = "bookwork"
DEFAULT_EXCLUDED_URLS = "healthz,readyz,metrics"
# Set by the Django instrumentation's request hook for gunicorn's access line, which is written
# after the span has ended (bookwork.logging.GunicornLogger).
TRACE_ID_ENVIRON_KEY = "bookwork.trace_id"
SPAN_ID_ENVIRON_KEY = "bookwork.span_id"

_provider = None  # the TracerProvider once installed


def is_enabled() -> bool:
    return _provider is not None


def configured() -> bool:
    """Whether the environment asks for tracing."""
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def install_from_env() -> bool:
    """Install tracing with the OTLP (http/protobuf) exporter when the environment asks for it.
    Returns whether tracing is on. Call once per process, after fork, before Django loads its
    middleware (gunicorn's `post_fork`, or the start of a long-running command)."""
    if _provider is not None:
        return True
    if not configured():
        return False
    from opentelemetry import trace
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from core.otlp import SpanExporter

    service = os.environ.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME
    # The sampler comes from OTEL_TRACES_SAMPLER(_ARG): TracerProvider reads them itself.
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(SpanExporter()))
    trace.set_tracer_provider(provider)
    install(provider)
    return True


def install(provider) -> None:
    """Instrument Django and psycopg with `provider` (tests pass one with an in-memory exporter).

    Only connections opened afterwards are traced: Django opens them lazily, per worker."""
    global _provider
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwork.settings")
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    from core.tracing_django import DjangoTracing

    provider.sampler = _skip_stray_queries()(provider.sampler)
    excluded = os.environ.get("OTEL_PYTHON_DJANGO_EXCLUDED_URLS") or DEFAULT_EXCLUDED_URLS
    DjangoTracing().instrument(tracer_provider=provider, request_hook=_request_hook, excluded_urls=excluded)
    PsycopgInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
    _health_check_untraced(True)
    _provider = provider


@functools.cache
def _skip_stray_queries():
    """A sampler class: drops a client (SQL) span that would start a trace, else asks `delegate`
    (the sampler the OTEL_TRACES_SAMPLER variables configured)."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult

    class SkipStrayQueries(Sampler):
        def __init__(self, delegate: Sampler) -> None:
            self.delegate = delegate

        def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None, **kwargs):
            # The kind first: a request's span (SERVER) never needs its parent looked up here.
            if kind is trace.SpanKind.CLIENT and not trace.get_current_span(parent_context).get_span_context().is_valid:
                return SamplingResult(Decision.DROP)
            return self.delegate.should_sample(parent_context, trace_id, name, kind, attributes, links, **kwargs)

        def get_description(self) -> str:
            return f"SkipStrayQueries{{{self.delegate.get_description()}}}"

    return SkipStrayQueries


def _untraced_is_usable(self) -> bool:
    """Django's `DatabaseWrapper.is_usable` for PostgreSQL, on a cursor the instrumentation does not
    wrap: the connection's `cursor()` comes from the instrumentation's cursor factory."""
    import psycopg

    if self.connection is None:
        return False
    try:
        with psycopg.ClientCursor(self.connection) as cursor:
            cursor.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def _health_check_untraced(on: bool) -> None:
    """Django's connection health check (CONN_HEALTH_CHECKS: a `SELECT 1` before the first query
    of each request on a kept connection) is not a span. It is the connection's statement, not
    the request's, yet it was a third of a sampled 304's spans, and a span cost the worker a
    quarter of what the rest of that request does (docs/performance.md). Its round trip still
    shows, as the time between the request span's start and its first SQL span. Reverted by
    `uninstall`."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    patched = hasattr(DatabaseWrapper, "_bookwork_is_usable")
    if on and not patched:
        DatabaseWrapper._bookwork_is_usable = DatabaseWrapper.is_usable
        DatabaseWrapper.is_usable = _untraced_is_usable
    elif not on and patched:
        DatabaseWrapper.is_usable = DatabaseWrapper._bookwork_is_usable
        del DatabaseWrapper._bookwork_is_usable


def uninstall() -> None:
    """Undo `install` (tests)."""
    global _provider
    if _provider is None:
        return
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    from core.tracing_django import DjangoTracing

    DjangoTracing().uninstrument()
    PsycopgInstrumentor().uninstrument()
    _health_check_untraced(False)
    _provider = None


def shutdown() -> None:
    """Export what is still buffered (gunicorn's `worker_exit`)."""
    if _provider is not None:
        _provider.shutdown()


def _request_hook(span, request) -> None:
    ids = _ids(span)
    if ids[0]:
        request.META[TRACE_ID_ENVIRON_KEY], request.META[SPAN_ID_ENVIRON_KEY] = ids


def _ids(span) -> tuple[str | None, str | None]:
    context = span.get_span_context()
    if not context.is_valid:
        return None, None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def current_ids() -> tuple[str | None, str | None]:
    """(trace_id, span_id) of the current span in W3C hex, or (None, None): for log lines."""
    if _provider is None:
        return None, None
    from opentelemetry import trace

    return _ids(trace.get_current_span())


def trace_context_current() -> dict[str, str]:
    """The current span's W3C trace context (`{"traceparent": ..., "tracestate"?: ...}`), to store
    with a job's arguments when it is deferred; `{}` when tracing is off or no span is current."""
    if _provider is None:
        return {}
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier


@contextlib.contextmanager
def job_span(name: str, carrier: Mapping[str, str] | None = None, **attributes: Any) -> Iterator[Any]:
    """Run a job inside its own span: the root of a new trace (a job may run long after the
    request, or be retried), with a Link to the span whose context `carrier` holds
    (`trace_context_current()` at deferral). The span records an exception and an error status
    if the job raises. Yields the span, or None when tracing is off."""
    if _provider is None:
        yield None
        return
    from opentelemetry import trace
    from opentelemetry.context import Context
    from opentelemetry.trace import Link, SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    linked = trace.get_current_span(TraceContextTextMapPropagator().extract(dict(carrier or {})))
    links = [Link(linked.get_span_context())] if linked.get_span_context().is_valid else []
    tracer = _provider.get_tracer("bookwork.jobs")
    with tracer.start_as_current_span(
        name, context=Context(), kind=SpanKind.CONSUMER, links=links, attributes=attributes or None
    ) as span:
        yield span
