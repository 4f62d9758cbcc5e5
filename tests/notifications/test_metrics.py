"""/metrics carries the worker's queue depth, job failures and email sends, read from the
database at scrape time (workers are processes of their own, possibly on other hosts)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from notifications import kinds
from notifications.models import EmailSend
from notifications.services import EMAIL_QUEUE, notifications_create
from tests.factories import ClubFactory, UserFactory
from tests.ops.test_metrics import scrape, value

pytestmark = [pytest.mark.urls("tests.ops.urls"), pytest.mark.django_db]


def test_queue_depth_failures_and_sends(settings):
    settings.EMAIL_ENABLED = True
    club = ClubFactory()
    users = [UserFactory() for _ in range(3)]
    with transaction.atomic():
        made = notifications_create(
            kind=kinds.CLUB_INVITE, user_ids=[u.pk for u in users], context={"actor": "Ann", "club": club.name}
        )
    found = scrape()
    assert value(found, "bookwork_job_queue_depth", queue=EMAIL_QUEUE, state="due") == 3
    assert value(found, "bookwork_job_failures", queue=EMAIL_QUEUE) == 0
    sent_before = value(found, "bookwork_emails_sent_total")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'failed', attempts = 12 WHERE id = "
            "(SELECT min(id) FROM procrastinate_jobs WHERE queue_name = %s)",
            [EMAIL_QUEUE],
        )
    EmailSend.objects.create(notification=made[0], recipient=users[0].email, message_id="<x@y>")
    found = scrape()
    assert value(found, "bookwork_job_queue_depth", queue=EMAIL_QUEUE, state="due") == 2
    assert value(found, "bookwork_job_failures", queue=EMAIL_QUEUE) == 1
    assert value(found, "bookwork_emails_sent_total") == sent_before + 1


def test_the_oldest_due_job_has_an_age(settings):
    """A job deferred ten minutes ago and not run shows as waiting that long; a job scheduled for
    later is not due and does not count."""
    settings.EMAIL_ENABLED = True
    users = [UserFactory() for _ in range(2)]
    with transaction.atomic():
        notifications_create(
            kind=kinds.CLUB_INVITE, user_ids=[u.pk for u in users], context={"actor": "Ann", "club": "Readers"}
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - interval '10 minutes' WHERE type = 'deferred' "
            "AND job_id = (SELECT min(id) FROM procrastinate_jobs WHERE queue_name = %s)",
            [EMAIL_QUEUE],
        )
        cursor.execute(
            "UPDATE procrastinate_jobs SET scheduled_at = now() + interval '1 hour' WHERE id = "
            "(SELECT max(id) FROM procrastinate_jobs WHERE queue_name = %s)",
            [EMAIL_QUEUE],
        )
    age = value(scrape(), "bookwork_job_oldest_due_age_seconds", queue=EMAIL_QUEUE)
    assert 600 <= age < 700
