"""Spans to OTLP protobuf bytes, written directly: the encoding step of the OTLP/HTTP exporter for
less than half its work (core/tracing.py installs `SpanExporter`; docs/performance.md).

opentelemetry-exporter-otlp-proto-common builds a protobuf message object for every span, every
attribute and every attribute's value, then serializes the tree, and hashes each span's Resource
(a JSON dump of its attributes) to group the spans. That was about half of what a sampled span
cost the worker (docs/performance.md). `encode_spans` writes the same `ExportTraceServiceRequest`
(opentelemetry-proto's trace_service.proto) byte for byte: the same fields, in field-number order,
with the same presence (proto3 leaves out zero scalars; a set message or oneof is written even
when empty), grouped by Resource and then by InstrumentationScope in order of first appearance.
tests/core/test_otlp.py compares the two encodings' bytes over spans of every shape.

Everything else, the HTTP transport, retries, compression, headers, timeouts, size limit and the
exporter's own metrics, stays the library's (`SpanExporter` overrides only `export`).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.exporter.otlp.proto.http._common import RequestPayloadTooLargeError, _is_request_too_large
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.semconv.attributes.http_attributes import HTTP_RESPONSE_STATUS_CODE

logger = logging.getLogger(__name__)

_fixed64 = struct.Struct("<Q").pack
_double = struct.Struct("<d").pack
_UINT64 = (1 << 64) - 1
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
# Span.flags and Link.flags, fixed32: the is-remote bit is known (SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK), and set
# when the parent came from another process (SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK).
_LOCAL_PARENT = struct.pack("<I", 0x100)
_REMOTE_PARENT = struct.pack("<I", 0x100 | 0x200)


_SMALL = [bytes((n,)) for n in range(0x80)]  # the one-byte varints
_KEYS: dict[str, bytes] = {}  # attribute key -> its KeyValue.key field; attribute names are few
_KEYS_MAX = 4096


def _varint(value: int) -> bytes:
    if value < 0x80:
        return _SMALL[value]
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field (a string, bytes or a message)."""
    size = len(payload)
    return tag + (_SMALL[size] if size < 0x80 else _varint(size)) + payload


def _text(tag: bytes, text: str) -> bytes:
    return _field(tag, text.encode())


def _value(value: Any) -> bytes:
    """An AnyValue's body. The isinstance order is the library's (bool before int, str before
    Sequence); a oneof member is written even when it holds its zero value."""
    if value is None:
        return b""
    if isinstance(value, bool):
        return b"\x10\x01" if value else b"\x10\x00"
    if isinstance(value, str):
        return _text(b"\x0a", value)
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise ValueError(f"Value out of range: {value}")
        return b"\x18" + _varint(value & _UINT64)  # int64: two's complement, ten bytes if negative
    if isinstance(value, float):
        return b"\x21" + _double(value)
    if isinstance(value, bytes):
        return _field(b"\x3a", value)
    if isinstance(value, Sequence):
        return _field(b"\x2a", b"".join([_field(b"\x0a", _value(item)) for item in value]))
    if isinstance(value, Mapping):
        return _field(b"\x32", b"".join([_key_value(b"\x0a", str(k), v) for k, v in value.items()]))
    raise TypeError(f"Invalid type {type(value)} of value {value}")


def _key(key: str) -> bytes:
    field = _text(b"\x0a", key) if key else b""
    if len(_KEYS) < _KEYS_MAX:
        _KEYS[key] = field
    return field


def _key_value(tag: bytes, key: str, value: Any) -> bytes:
    return _field(tag, (_KEYS.get(key) or _key(key)) + _field(b"\x12", _value(value)))


def _attributes(tag: bytes, attributes: Mapping[str, Any] | None) -> bytes:
    """Repeated KeyValue under `tag`; an attribute that cannot be encoded is logged and left out,
    as the library does."""
    if not attributes:
        return b""
    out = []
    for key, value in attributes.items():
        try:
            out.append(_key_value(tag, key, value))
        except Exception:
            logger.exception("Failed to encode key %s", key)
    return b"".join(out)


def _count(tag: bytes, count: int) -> bytes:
    return tag + _varint(count) if count else b""


def _flags(parent) -> bytes:
    return _REMOTE_PARENT if parent is not None and parent.is_remote else _LOCAL_PARENT


def _span(span: ReadableSpan) -> bytes:
    context = span.context
    parent = span.parent
    out = [b"\x0a\x10" + context.trace_id.to_bytes(16, "big"), b"\x12\x08" + context.span_id.to_bytes(8, "big")]
    if context.trace_state:
        out.append(_text(b"\x1a", ",".join([f"{key}={value}" for key, value in context.trace_state.items()])))
    if parent is not None:
        out.append(b"\x22\x08" + parent.span_id.to_bytes(8, "big"))
    if span.name:
        out.append(_text(b"\x2a", span.name))
    out.append(b"\x30" + _varint(span.kind.value + 1))  # SpanKind: the API counts from 0, OTLP from 1
    if span.start_time:
        out.append(b"\x39" + _fixed64(span.start_time))
    if span.end_time:
        out.append(b"\x41" + _fixed64(span.end_time))
    out.append(_attributes(b"\x4a", span.attributes))
    out.append(_count(b"\x50", span.dropped_attributes))
    for event in span.events:
        body = (b"\x09" + _fixed64(event.timestamp) if event.timestamp else b"") + (
            _text(b"\x12", event.name) if event.name else b""
        )
        body += _attributes(b"\x1a", event.attributes) + _count(b"\x20", event.dropped_attributes)
        out.append(_field(b"\x5a", body))
    out.append(_count(b"\x60", span.dropped_events))
    for link in span.links:
        body = (
            b"\x0a\x10"
            + link.context.trace_id.to_bytes(16, "big")
            + b"\x12\x08"
            + link.context.span_id.to_bytes(8, "big")
        )
        body += _attributes(b"\x22", link.attributes) + _count(b"\x28", link.dropped_attributes)
        out.append(_field(b"\x6a", body + b"\x35" + _flags(link.context)))
    out.append(_count(b"\x70", span.dropped_links))
    status = span.status
    body = _text(b"\x12", status.description) if status.description else b""
    out.append(_field(b"\x7a", body + _count(b"\x18", status.status_code.value)))
    out.append(b"\x85\x01" + _flags(parent))
    return b"".join(out)


def _scope(scope) -> bytes:
    if scope is None:
        return b""
    body = _text(b"\x0a", scope.name) if scope.name else b""
    if scope.version:
        body += _text(b"\x12", scope.version)
    return body + _attributes(b"\x1a", scope.attributes)


def encode_spans(spans: Sequence[ReadableSpan]) -> bytes:
    """An `ExportTraceServiceRequest` holding `spans`, serialized: the bytes the library's
    `encode_spans(spans).SerializePartialToString()` gives."""
    # Resource -> scope -> encoded spans. A Resource's hash dumps its attributes to JSON, so each
    # Resource object (a provider has one) is hashed once per batch; equal Resources still share
    # a group, as in the library.
    groups: dict[Any, dict[Any, list[bytes]]] = {}
    by_identity: dict[int, dict[Any, list[bytes]]] = {}
    for span in spans:
        scopes = by_identity.get(id(span.resource))
        if scopes is None:
            scopes = by_identity[id(span.resource)] = groups.setdefault(span.resource, {})
        scope = span.instrumentation_scope or None
        encoded = scopes.get(scope)
        if encoded is None:
            encoded = scopes[scope] = []
        encoded.append(_field(b"\x12", _span(span)))
    out = []
    for resource, scopes in groups.items():
        body = [_field(b"\x0a", _attributes(b"\x0a", resource.attributes))]
        for scope, encoded in scopes.items():
            schema = _text(b"\x1a", scope.schema_url) if scope is not None and scope.schema_url else b""
            body.append(_field(b"\x12", _field(b"\x0a", _scope(scope)) + b"".join(encoded) + schema))
        if resource.schema_url:
            body.append(_text(b"\x1a", resource.schema_url))
        out.append(_field(b"\x0a", b"".join(body)))
    return b"".join(out)


class SpanExporter(OTLPSpanExporter):
    """The OTLP/HTTP span exporter (configured by the same OTEL_EXPORTER_OTLP_* variables), with
    `encode_spans` above in place of the library's encoder. `export` is the library's otherwise."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown:
            logger.warning("Exporter already shutdown, ignoring batch")
            return SpanExportResult.FAILURE
        with self._metrics.export_operation(len(spans)) as result:
            try:
                data = encode_spans(spans)
            except Exception as error:
                logger.error("Failed to encode span batch: %s", error)
                result.error = error
                return SpanExportResult.FAILURE
            if _is_request_too_large(data, self._max_request_size):
                message = f"span batch of {len(data)} bytes over max_request_size {self._max_request_size}"
                logger.warning("Dropping %s", message)
                result.error = RequestPayloadTooLargeError(message)
                return SpanExportResult.FAILURE
            exported = self._client.export(data)
            if not exported.success:
                result.error = exported.error
                if exported.status_code is not None:
                    result.error_attrs = {HTTP_RESPONSE_STATUS_CODE: exported.status_code}
                return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS
