"""The real worker (`manage.py worker --once`) runs each email job inside its origin: the job's
span is a new trace linked to the span of the request that deferred it, with the job's SQL as its
children, and the history context of whatever it writes is channel `worker` with that request's
id and user."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from opentelemetry.trace import SpanKind

import core.context
from notifications import emails
from notifications.services import EMAIL_TASK
from tests.conftest import client_for
from tests.notifications.test_emit import night_readers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _no_leftover_jobs():
    """Jobs are not models Django flushes between transactional tests: start from an empty queue."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")


def test_email_jobs_run_in_the_deferring_requests_trace_link_and_history_context(provider, settings, monkeypatch):
    settings.EMAIL_ENABLED = True
    settings.PUBLIC_URL = "https://bookwork.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _club, moderator, event, _people = night_readers()
    seen = []
    original = emails.notification_email_send

    def recording(**kwargs):
        seen.append(core.context._current_metadata())  # the context the job's writes would carry
        return original(**kwargs)

    monkeypatch.setattr(emails, "notification_email_send", recording)
    client = client_for(moderator)
    provider.exporter.clear()

    response = client.patch(f"/api/v1/events/{event.pk}/", {"location": "The Old Mill"}, HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 200, response.content
    (request_span,) = [s for s in provider.exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    call_command("worker", "--once")

    assert len(seen) == 3
    for metadata in seen:
        assert metadata == {"channel": "worker", "job": EMAIL_TASK, "request_id": "req-42", "user": str(moderator.pk)}
    spans = provider.exporter.get_finished_spans()
    jobs = [s for s in spans if s.name == EMAIL_TASK]
    assert len(jobs) == 3
    for job in jobs:
        assert job.kind == SpanKind.CONSUMER and job.parent is None
        assert job.context.trace_id != request_span.context.trace_id
        assert [(link.context.trace_id, link.context.span_id) for link in job.links] == [
            (request_span.context.trace_id, request_span.context.span_id)
        ]
        children = [s for s in spans if s.parent is not None and s.parent.span_id == job.context.span_id]
        assert any(s.attributes.get("db.system") == "postgresql" for s in children)
    # The worker's own queue polling (procrastinate's connection) makes no traces of its own.
    assert not [s for s in spans if s.parent is None and s.kind == SpanKind.CLIENT]
