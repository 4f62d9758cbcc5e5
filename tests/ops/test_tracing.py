"""Tracing (core/tracing.py) with the SDK's in-memory exporter, and once under gunicorn.

- One request gives one server span, and its SQL statements (ORM and hand-written) are its children.
- Parameter values never appear in span attributes; the statement text does.
- A client's W3C `traceparent` is continued.
- A request that is not sampled collects no attributes; a recorded one has the HTTP attributes,
  and the view's exception; excluded URLs (/healthz) have no span.
- A job span is a new trace linked to the span that deferred it.
- Log lines carry trace_id and span_id; with tracing off nothing is installed.
- Under gunicorn, each worker exports over OTLP/HTTP after fork, and the access line names the trace.
"""

from __future__ import annotations

import json
import logging
import time

import pytest
from django.conf import settings
from django.db import connection
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased
from opentelemetry.trace import SpanKind

from bench.otlp_sink import OtlpSink
from bookwork.logging import JsonFormatter, RequestContextFilter
from core import tracing
from tests.conftest import client_for
from tests.factories import ClubMemberFactory, EventFactory
from tests.ops.servers import database_url, run_gunicorn
from tests.tracing_helpers import installed

# Transactional: connections opened after `install` are the traced ones, so the test closes its own.
pytestmark = pytest.mark.django_db(transaction=True)

OTEL_MIDDLEWARE = "core.tracing_django.TracingMiddleware"
# A W3C traceparent whose caller did not sample the trace (flags 00).
UNSAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"


def _server_spans(spans):
    return [span for span in spans if span.kind == SpanKind.SERVER]


def _sql_spans(spans):
    return [span for span in spans if span.attributes.get("db.system") == "postgresql"]


def _member_and_event():
    membership = ClubMemberFactory()
    event = EventFactory(club=membership.club, max_attendees=3)
    return membership.user, event


def test_one_request_is_one_server_span_with_its_sql_spans_as_children(provider):
    user, event = _member_and_event()
    client = client_for(user)
    provider.exporter.clear()

    response = client.get(f"/api/v1/events/{event.pk}/")
    assert response.status_code == 200, response.content

    spans = provider.exporter.get_finished_spans()
    (server,) = _server_spans(spans)
    assert server.attributes["http.route"] == "api/v1/events/<str:event_id>/"
    # Named from Django's own URL resolution once the view has run (core/tracing_django.py).
    assert server.name == "GET api/v1/events/<str:event_id>/"
    sql = _sql_spans(spans)
    assert len(sql) >= 2
    for span in sql:
        assert span.parent is not None and span.parent.span_id == server.context.span_id
        assert span.context.trace_id == server.context.trace_id
        assert span.kind == SpanKind.CLIENT
    assert response["X-Request-ID"]


def test_an_unsampled_request_opens_no_sql_spans(transactional_db):
    """A request whose trace is not sampled (here its `traceparent` says so) keeps its ids for the
    log lines but does not even ask the sampler about its SQL statements: they are suppressed
    (core/tracing_django.py), not opened and dropped one by one."""
    asked = []

    class Counting(ParentBased):
        def should_sample(self, parent_context, trace_id, name, kind=None, *args, **kwargs):
            asked.append(kind)
            return super().should_sample(parent_context, trace_id, name, kind, *args, **kwargs)

    with installed(Counting(ALWAYS_ON)) as provider:
        user, event = _member_and_event()
        client = client_for(user)
        assert client.get(f"/api/v1/events/{event.pk}/", HTTP_TRACEPARENT=UNSAMPLED).status_code == 200
        assert asked == [SpanKind.SERVER]
        assert provider.exporter.get_finished_spans() == ()
        # Sampled: the same request asks for (and records) its SQL spans again.
        asked.clear()
        assert client.get(f"/api/v1/events/{event.pk}/").status_code == 200
        assert SpanKind.CLIENT in asked and _sql_spans(provider.exporter.get_finished_spans())


def test_an_unsampled_request_collects_no_request_attributes(provider, monkeypatch):
    """The span is started before anything is collected for it: a request that is not sampled
    pays for no attributes it would never export (core/tracing_django.py), a sampled one gets them."""
    from core import tracing_django

    collected = []
    real = tracing_django.collect_request_attributes
    monkeypatch.setattr(tracing_django, "collect_request_attributes", lambda *args: collected.append(1) or real(*args))
    user, event = _member_and_event()
    client = client_for(user)
    assert client.get(f"/api/v1/events/{event.pk}/", HTTP_TRACEPARENT=UNSAMPLED).status_code == 200
    assert collected == []
    assert client.get(f"/api/v1/events/{event.pk}/").status_code == 200
    assert collected == [1]
    (server,) = _server_spans(provider.exporter.get_finished_spans())
    assert server.attributes["http.method"] == "GET" and server.attributes["http.status_code"] == 200


def test_a_recorded_request_span_carries_the_http_attributes(provider):
    user, event = _member_and_event()
    client = client_for(user)
    provider.exporter.clear()

    response = client.get(f"/api/v1/events/{event.pk}/?expand=1", HTTP_USER_AGENT="bookwork-test/1.0")
    assert response.status_code == 200

    (server,) = _server_spans(provider.exporter.get_finished_spans())
    attributes = server.attributes
    assert attributes["http.method"] == "GET"
    assert attributes["http.status_code"] == 200
    assert attributes["http.route"] == "api/v1/events/<str:event_id>/"
    assert attributes["http.url"] == f"http://testserver/api/v1/events/{event.pk}/?expand=1"
    assert attributes["http.scheme"] == "http"
    assert attributes["http.user_agent"] == "bookwork-test/1.0"
    assert server.status.is_unset


def test_an_exception_of_the_view_is_recorded_on_the_request_span(provider, monkeypatch):
    from events.views import EventDetailView

    def fail(self, request, *args, **kwargs):
        raise RuntimeError("the view failed")

    monkeypatch.setattr(EventDetailView, "get", fail)
    user, event = _member_and_event()
    client = client_for(user)
    client.raise_request_exception = False
    provider.exporter.clear()

    assert client.get(f"/api/v1/events/{event.pk}/").status_code == 500

    (server,) = _server_spans(provider.exporter.get_finished_spans())
    assert server.status.status_code.name == "ERROR"
    assert server.attributes["http.status_code"] == 500
    (event_,) = [e for e in server.events if e.name == "exception"]
    assert event_.attributes["exception.type"] == "RuntimeError"
    assert event_.attributes["exception.message"] == "the view failed"


def test_an_excluded_url_has_no_span(provider):
    provider.exporter.clear()
    from django.test import Client

    assert Client().get("/healthz").status_code == 200
    assert provider.exporter.get_finished_spans() == ()


def test_hand_written_sql_is_traced_with_its_text_and_never_its_parameters(provider):
    user, event = _member_and_event()
    client = client_for(user)
    secret = "note-only-in-parameters-7f3a9"
    provider.exporter.clear()

    response = client.put(
        f"/api/v1/events/{event.pk}/availability/me/", {"status": "available", "notes": secret}, format="json"
    )
    assert response.status_code in (200, 201), response.content

    spans = provider.exporter.get_finished_spans()
    sql = _sql_spans(spans)
    statements = [span.attributes.get("db.statement", "") for span in sql]
    # The event lock of events.availability.services (hand-written, composed with the builder).
    assert any("FOR UPDATE" in statement and '"events"' in statement for statement in statements), statements
    assert any("INSERT INTO" in statement and '"availability"' in statement for statement in statements)
    # Every statement had the event id, the user id or the notes as parameters; none is in a span
    # (the server span's URL holds the event id, as the path did).
    for span in spans:
        values = {str(user.pk), secret, user.email} | ({str(event.pk)} if span in sql else set())
        for key, value in span.attributes.items():
            assert "parameters" not in key
            assert not any(v in str(value) for v in values), (span.name, key, value)


def test_a_client_traceparent_is_continued(provider):
    user, event = _member_and_event()
    client = client_for(user)
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    provider.exporter.clear()

    response = client.get(f"/api/v1/events/{event.pk}/", HTTP_TRACEPARENT=f"00-{trace_id}-{parent_id}-01")
    assert response.status_code == 200

    (server,) = _server_spans(provider.exporter.get_finished_spans())
    assert format(server.context.trace_id, "032x") == trace_id
    assert format(server.parent.span_id, "016x") == parent_id
    assert server.parent.is_remote


def test_a_request_without_trace_headers_starts_a_new_trace(provider):
    """No propagation header: the middleware skips extraction (core/tracing_django.py) and the
    span is the root of its own trace, with its SQL spans under it."""
    user, event = _member_and_event()
    client = client_for(user)
    provider.exporter.clear()

    assert client.get(f"/api/v1/events/{event.pk}/").status_code == 200
    assert client.get(f"/api/v1/events/{event.pk}/").status_code == 200

    servers = _server_spans(provider.exporter.get_finished_spans())
    assert [server.parent for server in servers] == [None, None]
    assert servers[0].context.trace_id != servers[1].context.trace_id


def test_the_headers_of_the_configured_propagator_are_extracted(provider):
    """Extraction is skipped only when none of the global propagator's own headers is present:
    with OTEL_PROPAGATORS=b3 (set here as the process would at start), a `b3` header is continued
    and a `traceparent` is not."""
    from opentelemetry import propagate
    from opentelemetry.propagators.textmap import TextMapPropagator

    class SingleHeader(TextMapPropagator):
        """A stand-in for b3's single-header format: `b3: <trace id>-<span id>-1`."""

        fields = {"b3"}

        def extract(self, carrier, context=None, getter=None):
            from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context

            (value,) = getter.get(carrier, "b3") or [None]
            if not value:
                return context
            trace_id, span_id, _ = value.split("-")
            remote = SpanContext(int(trace_id, 16), int(span_id, 16), True, TraceFlags(TraceFlags.SAMPLED))
            return set_span_in_context(NonRecordingSpan(remote), context)

        def inject(self, carrier, context=None, setter=None):
            pass

    user, event = _member_and_event()
    client = client_for(user)
    trace_id, parent_id = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
    provider.exporter.clear()

    configured = propagate.get_global_textmap()
    propagate.set_global_textmap(SingleHeader())
    try:
        assert client.get(f"/api/v1/events/{event.pk}/", HTTP_B3=f"{trace_id}-{parent_id}-1").status_code == 200
        assert client.get(f"/api/v1/events/{event.pk}/", HTTP_TRACEPARENT=UNSAMPLED).status_code == 200
    finally:
        propagate.set_global_textmap(configured)

    continued, ignored = _server_spans(provider.exporter.get_finished_spans())
    assert format(continued.context.trace_id, "032x") == trace_id
    assert format(continued.parent.span_id, "016x") == parent_id
    assert ignored.parent is None


def test_configured_request_and_response_headers_are_captured(transactional_db, monkeypatch):
    """OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST/RESPONSE are read once, when the
    middleware is built; with none configured, no header is collected."""
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", "X-Club-Client")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE", "ETag")
    user, event = _member_and_event()
    with installed() as provider:
        response = client_for(user).get(f"/api/v1/events/{event.pk}/", HTTP_X_CLUB_CLIENT="reader-app/2")
        assert response.status_code == 200
        (server,) = _server_spans(provider.exporter.get_finished_spans())
    assert server.attributes["http.request.header.x_club_client"] == ("reader-app/2",)
    assert server.attributes["http.response.header.etag"] == (response["ETag"],)

    monkeypatch.delenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST")
    monkeypatch.delenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE")
    with installed() as provider:
        assert client_for(user).get(f"/api/v1/events/{event.pk}/", HTTP_X_CLUB_CLIENT="x").status_code == 200
        (server,) = _server_spans(provider.exporter.get_finished_spans())
    assert not [key for key in server.attributes if ".header." in key]


def test_a_job_span_is_a_new_trace_linked_to_the_deferring_span(provider):
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("POST /api/v1/deferring") as request_span:
        carrier = tracing.trace_context_current()
    assert carrier["traceparent"].split("-")[1] == format(request_span.context.trace_id, "032x")

    with tracing.job_span("notifications.send", carrier, job_id=42) as job, connection.cursor() as cursor:
        cursor.execute("SELECT %s::text", ["job-parameter-value"])

    spans = provider.exporter.get_finished_spans()
    (job_span,) = [span for span in spans if span.name == "notifications.send"]
    assert job_span.kind == SpanKind.CONSUMER and job is not None
    assert job_span.parent is None, "a job starts its own trace"
    assert job_span.context.trace_id != request_span.context.trace_id
    (link,) = job_span.links
    assert (link.context.trace_id, link.context.span_id) == (
        request_span.context.trace_id,
        request_span.context.span_id,
    )
    assert job_span.attributes["job_id"] == 42
    (sql,) = [span for span in _sql_spans(spans) if "::text" in span.attributes["db.statement"]]
    assert sql.parent.span_id == job_span.context.span_id
    assert "job-parameter-value" not in json.dumps(dict(sql.attributes))


def test_a_query_outside_any_request_or_job_is_not_traced(provider):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 AS stray")
    with provider.get_tracer("test").start_as_current_span("work"), connection.cursor() as cursor:
        cursor.execute("SELECT 2 AS inside")
    statements = [span.attributes["db.statement"] for span in _sql_spans(provider.exporter.get_finished_spans())]
    assert "SELECT 2 AS inside" in statements
    assert not any("stray" in statement for statement in statements)


def test_log_lines_carry_the_trace_and_span_ids(provider):
    with provider.get_tracer("test").start_as_current_span("work") as span:
        record = logging.makeLogRecord({"msg": "inside", "name": "bookwork.test", "levelname": "INFO"})
        RequestContextFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    assert line["trace_id"] == format(span.context.trace_id, "032x")
    assert line["span_id"] == format(span.context.span_id, "016x")


def test_without_an_endpoint_nothing_is_installed(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert tracing.install_from_env() is False
    assert not tracing.is_enabled()
    assert OTEL_MIDDLEWARE not in settings.MIDDLEWARE
    assert tracing.trace_context_current() == {}
    with tracing.job_span(
        "anything", {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    ) as span:
        assert span is None
    record = logging.makeLogRecord({"msg": "plain"})
    RequestContextFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["trace_id"] is None and line["span_id"] is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert tracing.configured() is False


@pytest.mark.slow
def test_gunicorn_workers_export_over_otlp_and_the_access_line_names_the_trace(tmp_path):
    _user, event = _member_and_event()
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    with (
        OtlpSink(keep=True) as sink,
        run_gunicorn(
            tmp_path,
            database_url(connection.settings_dict),
            OTEL_EXPORTER_OTLP_ENDPOINT=sink.endpoint,
            OTEL_SERVICE_NAME="bookwork-test",
            OTEL_BSP_SCHEDULE_DELAY="100",
        ) as server,
    ):
        headers = {"traceparent": f"00-{trace_id}-b7ad6b7169203331-01", "Host": "127.0.0.1"}
        status, _, _ = server.get(f"/api/v1/events/{event.pk}/", headers=headers)
        assert status == 401  # unauthenticated: still a traced request
        deadline = time.monotonic() + 10
        while not any(span.kind == span.SPAN_KIND_SERVER for _, span in sink.spans):
            assert time.monotonic() < deadline, f"no server span exported:\n{server.log()}"
            time.sleep(0.1)
        access = [line for line in server.log_lines() if line.get("logger") == "gunicorn.access"]
    servers = [(resource, span) for resource, span in sink.spans if span.kind == span.SPAN_KIND_SERVER]
    resource, span = servers[0]
    assert resource["service.name"] == "bookwork-test"
    assert span.trace_id.hex() == trace_id
    (line,) = [line for line in access if line["path"] == f"/api/v1/events/{event.pk}/"]
    assert line["trace_id"] == trace_id and line["span_id"] == span.span_id.hex()
