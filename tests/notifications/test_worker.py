"""The worker and its emails against a real SMTP server (aiosmtpd on loopback) and real
PostgreSQL: what arrives (recipients, headers, parts, the unsubscribe link working end to end),
nothing from a rolled-back change, delivery after the server was down, SIGTERM draining, and
exactly one email per notification with two workers at once and one of them SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import psutil
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from rest_framework.test import APIClient

from events.services import event_update
from notifications import kinds
from notifications.emails import notification_email_send
from notifications.models import EmailSend, Notification
from notifications.services import EMAIL_QUEUE, EMAIL_TASK, notifications_create
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory
from tests.notifications.smtp import SmtpServer
from tests.notifications.test_emit import night_readers
from tests.ops.servers import BASE_DIR, database_url, free_port, production_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PUBLIC_URL = "https://bookwork.example.com"


@pytest.fixture(autouse=True)
def _no_leftover_jobs():
    """Jobs are not models Django flushes between transactional tests: start from an empty queue."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")


@pytest.fixture
def email_on(settings):
    settings.EMAIL_ENABLED = True
    settings.PUBLIC_URL = PUBLIC_URL
    settings.DEFAULT_FROM_EMAIL = "Bookwork <noreply@bookwork.example.com>"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return settings


def jobs(status: str | None = None) -> int:
    with connection.cursor() as cursor:
        sql = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = %s"
        cursor.execute(sql + (" AND status = %s" if status else ""), [EMAIL_TASK, *([status] if status else [])])
        return cursor.fetchone()[0]


def worker_env(smtp_port: int, **overrides: str) -> dict[str, str]:
    return production_env(
        DATABASE_URL=database_url(connection.settings_dict),
        EMAIL_ENABLED="true",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        PUBLIC_URL=PUBLIC_URL,
        DEFAULT_FROM_EMAIL="Bookwork <noreply@bookwork.example.com>",
        EMAIL_RETRY_BASE_SECONDS="1",
        WORKER_POLL_SECONDS="0.2",
        WORKER_HEARTBEAT_SECONDS="0.2",
        WORKER_STALLED_SECONDS="1.5",
        LOG_LEVEL="INFO",
        **overrides,
    )


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until(predicate, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_emails_arrive_with_headers_and_unsubscribe_works_end_to_end(email_on):
    _club, moderator, event, people = night_readers()
    with SmtpServer() as smtp:
        email_on.EMAIL_PORT = smtp.port
        # A change that rolls back (an exception after its notifications were made) sends nothing.
        with pytest.raises(RuntimeError), transaction.atomic():
            event_update(event_id=event.pk, data={"location": "Nowhere"})
            assert Notification.objects.filter(kind="event_changed").count() == 3
            raise RuntimeError("rolled back")
        assert not Notification.objects.exists() and jobs() == 0
        response = client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"location": "The Old Mill"})
        assert response.status_code == 200
        assert jobs("todo") == 3
        call_command("worker", "--once")
        received = smtp.wait_for(3)
        assert jobs("succeeded") == 3
    answered = {people[name].email: people[name] for name in ("seated", "waitlisted", "maybe")}
    assert sorted(r.recipients[0] for r in received) == sorted(answered)
    for mail in received:
        message, user = mail.message, answered[mail.recipients[0]]
        assert mail.recipients == [user.email] and message["To"] == user.email
        assert message["From"] == "Bookwork <noreply@bookwork.example.com>"
        assert message["Subject"] == "The meeting of Night Readers on Thu 18 Dec changed"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = message["List-Unsubscribe"].strip().strip("<>")
        assert link.startswith(f"{PUBLIC_URL}/api/v1/unsubscribe/")
        assert message["Message-ID"].strip().startswith("<notification-")
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "The meeting of Night Readers on Thu 18 Dec moved to The Old Mill." in text
        assert "Thursday 18 December 2036, 19:00 (Europe/London)" in text  # the club's zone
        assert f"{PUBLIC_URL}/meetings/{event.pk}/" in text and f'href="{PUBLIC_URL}/meetings/{event.pk}/"' in html
        assert "Nowhere" not in text
    assert EmailSend.objects.count() == 3

    # One click in maybe's mail program turns `event_changed` emails off for maybe, nobody else.
    maybe_mail = next(r for r in received if r.recipients == [people["maybe"].email])
    path = urlsplit(maybe_mail.message["List-Unsubscribe"].strip().strip("<>")).path
    assert (
        APIClient()
        .post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
        .status_code
        == 204
    )
    with SmtpServer() as smtp:
        email_on.EMAIL_PORT = smtp.port
        assert client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"location": "The Mill"}).status_code == 200
        assert Notification.objects.filter(kind="event_changed", user=people["maybe"]).count() == 2  # in-app still
        call_command("worker", "--once")
        again = smtp.wait_for(2)
        time.sleep(0.3)
        assert sorted(r.recipients[0] for r in smtp.received) == sorted(
            [people["seated"].email, people["waitlisted"].email]
        )
    assert len(again) == 2


def test_server_down_at_first_then_back_delivers_once_and_sigterm_drains(email_on):
    club = ClubFactory(name="Night Readers")
    users = [ClubMemberFactory(club=club).user for _ in range(3)]
    with transaction.atomic():
        notifications_create(
            kind=kinds.CLUB_INVITE,
            user_ids=[u.pk for u in users],
            context={"actor": "Ann", "club": club.name},
            club=club,
        )
    port = free_port()  # nothing listens there yet: connection refused
    worker = start_worker(worker_env(port))
    try:
        wait_until(lambda: jobs() and all_retried(), what="a failed first attempt of every email")
        with SmtpServer(port=port) as smtp:
            received = smtp.wait_for(3, timeout=30)
            time.sleep(1.5)  # any duplicate would show up by now
            assert sorted(r.recipients[0] for r in smtp.received) == sorted(u.email for u in users)
        assert len(received) == 3 and EmailSend.objects.count() == 3
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    output = worker.stdout.read()
    assert "Connection refused" in output or "ConnectionRefusedError" in output
    assert jobs("succeeded") == 3


def all_retried() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT bool_and(attempts >= 1) FROM procrastinate_jobs WHERE task_name = %s", [EMAIL_TASK])
        return bool(cursor.fetchone()[0])


def test_two_workers_and_one_killed_mid_batch_send_every_email_exactly_once(email_on):
    club = ClubFactory(name="Night Readers")
    users = [ClubMemberFactory(club=club).user for _ in range(24)]
    with transaction.atomic():
        notifications_create(
            kind=kinds.CLUB_INVITE,
            user_ids=[u.pk for u in users],
            context={"actor": "Ann", "club": club.name},
            club=club,
        )
    assert jobs("todo") == 24
    workers: dict[str, subprocess.Popen] = {}
    killed = threading.Event()

    def kill_first_mid_send(peer) -> None:
        """When a message from the first worker has arrived but is not yet accepted, SIGKILL it."""
        first = workers.get("first")
        if killed.is_set() or first is None or len(smtp.collector.received) < 6:
            return
        ports = {c.laddr.port for c in psutil.Process(first.pid).net_connections(kind="tcp") if c.laddr}
        if peer[1] in ports:
            os.kill(first.pid, signal.SIGKILL)
            killed.set()

    # Each message takes the server 0.3 s to accept: workers spend their time mid-send.
    with SmtpServer(delay=0.3, on_data=kill_first_mid_send) as smtp:
        # One job at a time in the first worker, so the kill cuts exactly one send short. Both
        # take the email queue only: the periodic `retry_stalled_jobs` (every minute, on the
        # default queue) would otherwise retry the killed job whenever a minute turns during the
        # test, before the third worker below does (the test then timed out waiting for it).
        only_emails = ("--queue", EMAIL_QUEUE)
        workers["first"] = start_worker(worker_env(smtp.port, WORKER_CONCURRENCY="1"), *only_emails)
        workers["second"] = start_worker(worker_env(smtp.port, WORKER_CONCURRENCY="2"), *only_emails)
        try:
            wait_until(killed.is_set, what="the first worker killed mid-send")
            assert workers["first"].wait(timeout=10) == -signal.SIGKILL
            # The survivor empties the queue; the killed worker's job stays `doing` until retried.
            wait_until(lambda: jobs("todo") == 0 and len(smtp.received) == 23, what="all but the cut one")
            # The survivor marks its last job done just after the server accepted it.
            wait_until(lambda: jobs("doing") == 1, what="only the killed worker's job left running")
            time.sleep(1.6)  # past WORKER_STALLED_SECONDS of silence from the killed worker
            third = start_worker(worker_env(smtp.port), "--once")  # at start-up, retries the dead worker's job
            assert third.wait(timeout=60) == 0, third.stdout.read()
            received = smtp.wait_for(24, timeout=30)
            time.sleep(1)
        finally:
            for process in workers.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=30)
    recipients = [r.recipients[0] for r in smtp.received]
    assert sorted(recipients) == sorted(u.email for u in users), "every email exactly once"
    assert len(received) == 24
    assert EmailSend.objects.count() == 24
    assert jobs("succeeded") == 24


def test_the_send_record_stops_a_second_send_of_the_same_notification(email_on):
    """A job retried after its email went out (its worker died between the commit and marking the
    job done), or run by two workers at once: the UNIQUE send record lets one email through."""
    club = ClubFactory(name="Night Readers")
    user = ClubMemberFactory(club=club).user
    with transaction.atomic():
        (notification,) = notifications_create(
            kind=kinds.CLUB_INVITE, user_ids=[user.pk], context={"actor": "Ann", "club": club.name}, club=club
        )
    with SmtpServer(delay=0.3) as smtp:
        email_on.EMAIL_PORT = smtp.port
        outcomes = []

        def send():
            try:
                outcomes.append(notification_email_send(notification_id=notification.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["already_sent", "already_sent", "sent"]
        assert notification_email_send(notification_id=notification.pk) == "already_sent"
        time.sleep(0.5)
        assert [r.recipients for r in smtp.received] == [[user.email]]
    assert EmailSend.objects.filter(notification=notification).count() == 1


def test_sigterm_mid_send_lets_the_running_job_finish(email_on):
    club = ClubFactory(name="Night Readers")
    user = ClubMemberFactory(club=club).user
    with transaction.atomic():
        notifications_create(
            kind=kinds.CLUB_INVITE, user_ids=[user.pk], context={"actor": "Ann", "club": club.name}, club=club
        )
    arriving = threading.Event()
    # The server takes 1.5 s to accept the message; SIGTERM arrives while it is being sent.
    with SmtpServer(delay=1.5, on_data=lambda peer: arriving.set()) as smtp:
        worker = start_worker(worker_env(smtp.port))
        try:
            wait_until(arriving.is_set, what="the message arriving")
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
        assert [r.recipients for r in smtp.received] == [[user.email]]
    assert EmailSend.objects.count() == 1
    assert jobs("succeeded") == 1
