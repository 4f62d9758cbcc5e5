"""A worker job's changes are recorded with channel `worker`, the job's name, and the request id
and user of the request that deferred it; its span is a new trace linked to that request's span."""

from __future__ import annotations

import threading

import pghistory
import pytest
from opentelemetry.trace import SpanKind

from audit.models import ClubHistory
from clubs.models import Club
from core.context import job_origin, job_run
from core.request_context import request_id_var, user_id_var
from tests.factories import ClubFactory


def test_a_job_records_its_changes_with_the_deferring_requests_origin(provider):
    club = ClubFactory(name="Before")
    actor = club.owner
    tracer = provider.get_tracer("test")
    id_token, user_token = request_id_var.set("req-defer-1"), user_id_var.set(str(actor.pk))
    try:
        with tracer.start_as_current_span("PATCH /api/v1/clubs/x/") as request_span, pghistory.context(channel="api"):
            origin = job_origin()
    finally:
        request_id_var.reset(id_token)
        user_id_var.reset(user_token)
    assert origin["request_id"] == "req-defer-1" and origin["user"] == str(actor.pk)
    assert origin["trace"]["traceparent"]

    def job() -> None:  # as the worker runs it: another thread, later, no request around
        with job_run("notifications.send_email", origin):
            Club.objects.filter(pk=club.pk).update(name="After")

    worker = threading.Thread(target=job)
    worker.start()
    worker.join()

    row = ClubHistory.objects.get(pgh_obj_id=club.pk, pgh_label="update")
    assert row.name == "After"
    assert row.pgh_context.metadata == {
        "channel": "worker",
        "job": "notifications.send_email",
        "request_id": "req-defer-1",
        "user": str(actor.pk),
    }
    (span,) = [s for s in provider.exporter.get_finished_spans() if s.name == "notifications.send_email"]
    assert span.kind == SpanKind.CONSUMER and span.parent is None
    assert span.links[0].context.span_id == request_span.context.span_id


@pytest.mark.django_db
def test_a_periodic_job_has_no_origin_but_still_its_channel():
    club = ClubFactory()
    with job_run("notifications.send_reminders", None):
        Club.objects.filter(pk=club.pk).update(name="Renamed by a job")
    row = ClubHistory.objects.get(pgh_obj_id=club.pk, pgh_label="update")
    assert row.pgh_context.metadata == {
        "channel": "worker",
        "job": "notifications.send_reminders",
        "request_id": None,
        "user": None,
    }
