"""The in-memory tracing fixture shared by the tracing and audit tests (import `provider`)."""

from __future__ import annotations

import contextlib

import pytest
from django.db import connection
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core import tracing


@contextlib.contextmanager
def installed(sampler=None):
    """Tracing installed with an in-memory exporter (`provider.exporter`), with `sampler` (the
    SDK's default, parent-based always-on, when None), and uninstalled after the block.
    Connections opened afterwards are the traced ones, so the test's own is closed (hence a
    transactional test)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider() if sampler is None else TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.exporter = exporter
    tracing.install(provider)
    connection.close()
    try:
        yield provider
    finally:
        tracing.uninstall()
        connection.close()


@pytest.fixture
def provider(transactional_db):
    """`installed()` for a whole test."""
    with installed() as provider:
        yield provider
