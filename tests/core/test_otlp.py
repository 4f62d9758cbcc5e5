"""core/otlp.py: its bytes are the library encoder's bytes, for spans of every shape, and its
exporter delivers them over OTLP/HTTP.

The reference is opentelemetry-exporter-otlp-proto-common's
`encode_spans(spans).SerializePartialToString()`, the call the library's exporter makes."""

from __future__ import annotations

from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as library_encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import (
    Link,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    TraceState,
    set_span_in_context,
)

from bench.otlp_sink import OtlpSink
from core.otlp import SpanExporter, encode_spans


def _provider(resource: Resource, **kwargs) -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=resource, **kwargs)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def _same(spans) -> bytes:
    ours = encode_spans(spans)
    theirs = library_encode_spans(spans).SerializePartialToString()
    assert ours == theirs, (ExportTraceServiceRequest.FromString(ours), ExportTraceServiceRequest.FromString(theirs))
    return ours


def _request_with_sql(tracer):
    attributes = {"http.method": "GET", "http.target": "/api/v1/events/?q=é", "net.host.port": 8000}
    with tracer.start_as_current_span("GET api/v1/events/", kind=SpanKind.SERVER, attributes=attributes) as span:
        with tracer.start_as_current_span("SELECT", kind=SpanKind.CLIENT) as sql:
            sql.set_attribute("db.statement", "SELECT 1 FROM events_event WHERE id = %s")
        span.set_attribute("http.status_code", 200)


def test_a_request_and_its_sql_spans_encode_as_the_library_does():
    provider, exporter = _provider(Resource.create({"service.name": "bookwork", "deployment.environment": "test"}))
    for _ in range(3):
        _request_with_sql(provider.get_tracer("opentelemetry.instrumentation.django", "0.66b1"))

    request = ExportTraceServiceRequest.FromString(_same(exporter.get_finished_spans()))

    [resource_spans] = request.resource_spans
    [scope_spans] = resource_spans.scope_spans
    assert scope_spans.scope.name == "opentelemetry.instrumentation.django"
    assert [span.name for span in scope_spans.spans] == ["SELECT", "GET api/v1/events/"] * 3
    assert scope_spans.spans[0].parent_span_id == scope_spans.spans[1].span_id


def test_every_attribute_type_status_event_link_trace_state_and_remote_parent():
    provider, exporter = _provider(Resource.create({"service.name": "bookwork"}))
    tracer = provider.get_tracer("bookwork.jobs", "1.0", schema_url="https://opentelemetry.io/schemas/1.21.0")
    remote = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
        trace_state=TraceState([("vendor", "value"), ("other", "x")]),
    )
    attributes = {
        "text": "naïve ☃",
        "empty": "",
        "yes": True,
        "no": False,
        "zero": 0,
        "negative": -7,
        "large": 2**62,
        "ratio": 0.25,
        "texts": ("a", "", "b"),
        "numbers": (1, -2, 300),
        "flags": (True, False),
        "floats": (1.5, -0.0),
    }
    links = [Link(remote, {"link.kind": "deferred", "n": 2}), Link(remote)]
    with tracer.start_as_current_span(
        "job", context=set_span_in_context(NonRecordingSpan(remote)), kind=SpanKind.CONSUMER, links=links
    ) as span:
        span.set_attributes(attributes)
        span.add_event("retry", {"attempt": 2})
        span.add_event("no attributes")
        span.record_exception(ValueError("boom"))
        span.set_status(Status(StatusCode.ERROR, "ValueError: boom"))
    for kind in (SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CLIENT):
        with tracer.start_as_current_span("", context=Context(), kind=kind) as span:
            span.set_status(Status(StatusCode.OK))

    request = ExportTraceServiceRequest.FromString(_same(exporter.get_finished_spans()))

    job = request.resource_spans[0].scope_spans[0].spans[0]
    assert job.trace_state == "vendor=value,other=x"
    assert job.flags == 0x300  # the parent is remote
    assert len(job.events) == 3 and len(job.links) == 2


def test_dropped_counts_are_encoded():
    limits = SpanLimits(max_span_attributes=2, max_events=1, max_links=1, max_event_attributes=1)
    provider, exporter = _provider(Resource.create({}), span_limits=limits)
    tracer = provider.get_tracer("x")
    linked = SpanContext(trace_id=5, span_id=6, is_remote=False)
    with tracer.start_as_current_span("many", links=[Link(linked), Link(linked)]) as span:
        span.set_attributes({"a": 1, "b": 2, "c": 3})
        span.add_event("one", {"x": 1, "y": 2})
        span.add_event("two")

    span = ExportTraceServiceRequest.FromString(_same(exporter.get_finished_spans())).resource_spans[0]
    encoded = span.scope_spans[0].spans[0]
    assert (encoded.dropped_attributes_count, encoded.dropped_events_count, encoded.dropped_links_count) == (1, 1, 1)


def test_spans_are_grouped_by_equal_resource_and_scope_in_order_of_appearance():
    first, first_exporter = _provider(Resource.create({"service.name": "bookwork"}))
    # An equal Resource in another object shares the group; another service does not.
    again, again_exporter = _provider(Resource.create({"service.name": "bookwork"}))
    other, other_exporter = _provider(Resource({"service.name": "worker"}, schema_url="https://example.test/s"))
    for provider, scope in ((first, "django"), (other, "jobs"), (again, "psycopg"), (first, "psycopg")):
        with provider.get_tracer(scope).start_as_current_span(f"{scope} span"):
            pass
    spans = [*first_exporter.get_finished_spans(), *other_exporter.get_finished_spans()]
    spans.insert(1, again_exporter.get_finished_spans()[0])

    request = ExportTraceServiceRequest.FromString(_same(spans))

    assert [[scope.scope.name for scope in group.scope_spans] for group in request.resource_spans] == [
        ["django", "psycopg"],
        ["jobs"],
    ]
    assert request.resource_spans[1].schema_url == "https://example.test/s"


def test_values_the_sdk_would_not_produce_still_encode_as_the_library_does():
    """A ReadableSpan built by hand keeps its attributes as given: None, a mapping (kvlist), bytes,
    nested sequences; an int out of int64's range, or a mapping holding a value of no OTLP type, is
    left out of both encodings (logged)."""
    context = SpanContext(trace_id=1, span_id=2, is_remote=False)
    scope = InstrumentationScope("hand", attributes={"scope.attr": "x"})
    span = ReadableSpan(
        name="hand-built",
        context=context,
        resource=Resource({"service.name": "bookwork"}),
        attributes={
            "none": None,
            "map": {"k": "v", "n": 1, "inner": {"deep": True}},
            "bytes": b"\x00\xff",
            "nested": [[1, 2], ["a"], None],
            "": "empty key",
            "too large": 2**64,
            "not a value": {"fine": 1, "nested": object()},
        },
        events=(Event("at zero", timestamp=0), Event("later", {"k": "v"}, timestamp=10)),
        instrumentation_scope=scope,
        start_time=1,
        end_time=2,
    )

    _same([span])
    _same([])


def test_the_exporter_delivers_the_spans_over_otlp_http():
    provider, exporter = _provider(Resource.create({"service.name": "bookwork"}))
    for _ in range(2):
        _request_with_sql(provider.get_tracer("django"))

    with OtlpSink(keep=True) as sink:
        otlp = SpanExporter(endpoint=f"{sink.endpoint}/v1/traces")
        assert otlp.export(exporter.get_finished_spans()) is SpanExportResult.SUCCESS
        otlp.shutdown()
        assert otlp.export(exporter.get_finished_spans()) is SpanExportResult.FAILURE

    assert sink.span_count == 4
    assert sorted(span.name for _, span in sink.spans) == ["GET api/v1/events/"] * 2 + ["SELECT"] * 2


def test_a_batch_over_the_size_limit_is_dropped(caplog):
    provider, exporter = _provider(Resource.create({"service.name": "bookwork"}))
    _request_with_sql(provider.get_tracer("django"))

    with OtlpSink(keep=True) as sink:
        otlp = SpanExporter(endpoint=f"{sink.endpoint}/v1/traces", max_request_size=10)
        assert otlp.export(exporter.get_finished_spans()) is SpanExportResult.FAILURE

    assert sink.span_count == 0
    assert "over max_request_size" in caplog.text
