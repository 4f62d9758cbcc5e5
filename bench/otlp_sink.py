"""A loopback OTLP/HTTP trace receiver: accepts `POST /v1/traces` (protobuf), answers 200, and
counts (or keeps) what it received. It stands in for an OpenTelemetry Collector in `make bench`
with BENCH_TRACING=1 (the exporter does all its real work: encoding, batching, HTTP) and in the
tests that run gunicorn with tracing on.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


class OtlpSink:
    """`with OtlpSink(keep=True) as sink:` ... `sink.endpoint`, `sink.spans`, `sink.span_count`."""

    def __init__(self, *, keep: bool = False) -> None:
        self.keep = keep
        self.requests = 0
        self.span_count = 0
        self.spans: list = []  # (resource attributes, span) pairs when `keep`
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sink._receive(self.path, body)
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True

    @property
    def endpoint(self) -> str:
        """The value for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _receive(self, path: str, body: bytes) -> None:
        if path != "/v1/traces":
            return
        request = ExportTraceServiceRequest.FromString(body)
        with self._lock:
            self.requests += 1
            for resource_spans in request.resource_spans:
                resource = {kv.key: kv.value.string_value for kv in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    self.span_count += len(scope_spans.spans)
                    if self.keep:
                        self.spans.extend((resource, span) for span in scope_spans.spans)

    def __enter__(self) -> OtlpSink:
        threading.Thread(target=self.server.serve_forever, name="otlp-sink", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
