"""Webhook deliveries against a real HTTP receiver on loopback: signature (checked by an
independent HMAC here), payload, retries with the same body, 410, the 5-second cut, giving up
after 24 hours, the delivery log, and deferral in the transaction of the change."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from events.services import event_create
from notifications.models import Notification
from tests.conftest import client_for
from tests.webhooks.receiver import HANG
from webhooks.delivery import LOG_SIZE, webhook_deliver
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db
FUTURE = (dt.date.today() + dt.timedelta(days=20)).isoformat()
EVENT_BODY = {"title": "Emma", "event_date": FUTURE, "event_time": "19:00", "location": "Attic"}


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does (docs/integrations.md), written independently of webhooks.delivery."""
    parts = dict(item.split("=", 1) for item in headers["Bookwork-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300


def jobs() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT args->>'delivery_id' FROM procrastinate_jobs WHERE task_name = 'webhooks.deliver'")
        return [row[0] for row in cursor.fetchall()]


def create_event(club_world):
    response = client_for(club_world["owner"]).post(
        f"/api/v1/clubs/{club_world['club'].pk}/events/", EVENT_BODY, format="json"
    )
    assert response.status_code == 201
    return response.json()


def test_an_event_created_is_delivered_signed_with_ids_and_fields_only(club_world, hook, receiver):
    event = create_event(club_world)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert jobs() == [str(delivery.pk)]  # deferred in the request's transaction
    attempt = webhook_deliver(delivery_id=delivery.pk)
    assert attempt.status_code == 200 and attempt.error == ""
    [got] = receiver.received
    assert got.headers["Bookwork-Event"] == "event.created"
    assert got.headers["Bookwork-Delivery"] == str(delivery.pk)
    assert got.headers["Content-Type"] == "application/json"
    assert verify("whsec_test-secret", got.headers, got.body)
    assert not verify("another-secret", got.headers, got.body)
    payload = json.loads(got.body)
    assert set(payload) == {"id", "type", "created_at", "club", "data"}
    assert payload["type"] == "event.created" and payload["club"] == str(club_world["club"].pk)
    assert payload["data"]["event_id"] == event["id"]
    assert payload["data"]["fields"]["title"] == "Emma"
    assert "@" not in got.body.decode()  # no email address anywhere
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED


def test_a_500_then_200_gets_the_same_body_twice_and_the_first_retry_is_within_60_seconds(club_world, hook, receiver):
    receiver.script = [500, 200]
    create_event(club_world)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    first = webhook_deliver(delivery_id=delivery.pk)
    assert first.status_code == 500
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    assert timezone.now() < delivery.next_attempt_at <= timezone.now() + dt.timedelta(seconds=60)
    assert jobs().count(str(delivery.pk)) == 2  # the retry is a new scheduled job
    second = webhook_deliver(delivery_id=delivery.pk)
    assert (second.status_code, second.attempt) == (200, 2)
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body
    assert receiver.received[0].headers["Bookwork-Delivery"] == receiver.received[1].headers["Bookwork-Delivery"]
    assert all(verify("whsec_test-secret", r.headers, r.body) for r in receiver.received)
    assert webhook_deliver(delivery_id=delivery.pk) is None  # delivered: a duplicate job does nothing
    hook.refresh_from_db()
    assert hook.failing_since is None and hook.active


def test_backoff_grows_exponentially():
    from webhooks.delivery import _retry_in

    waits = [_retry_in(n).total_seconds() for n in range(1, 9)]
    assert waits[0] <= 60
    assert all(later == 2 * earlier for earlier, later in itertools.pairwise(waits[:7]))
    assert _retry_in(40) == dt.timedelta(hours=1)


def test_410_turns_the_hook_off(club_world, hook, receiver):
    receiver.script = [410]
    create_event(club_world)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert webhook_deliver(delivery_id=delivery.pk).status_code == 410
    hook.refresh_from_db()
    delivery.refresh_from_db()
    assert hook.active is False and "410" in hook.disabled_reason
    assert delivery.state == DeliveryState.FAILED and delivery.next_attempt_at is None
    create_event(club_world)
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1  # a hook turned off gets nothing new


def test_a_hanging_receiver_is_cut_at_5_seconds(club_world, hook, receiver):
    receiver.script = [HANG]
    create_event(club_world)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    started = time.monotonic()
    attempt = webhook_deliver(delivery_id=delivery.pk)
    elapsed = time.monotonic() - started
    assert 4.5 <= elapsed < 7, elapsed
    assert attempt.status_code is None and "5 seconds" in attempt.error


def test_redirects_are_not_followed(club_world, hook, receiver):
    receiver.script = [("redirect", receiver.url(path="/elsewhere"))]
    create_event(club_world)
    attempt = webhook_deliver(delivery_id=WebhookDelivery.objects.get(webhook=hook).pk)
    assert attempt.status_code == 302
    assert [r.path for r in receiver.received] == ["/hook"]


def test_a_hook_failing_for_24_hours_is_turned_off_and_its_admins_told(club_world, hook, receiver):
    receiver.script = [500]
    hook.failing_since = timezone.now() - dt.timedelta(hours=24, minutes=1)
    hook.save(update_fields=["failing_since"])
    create_event(club_world)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    webhook_deliver(delivery_id=delivery.pk)
    hook.refresh_from_db()
    delivery.refresh_from_db()
    assert hook.active is False and "24 hours" in hook.disabled_reason
    assert delivery.state == DeliveryState.FAILED
    told = set(Notification.objects.filter(kind="webhook_disabled").values_list("user_id", flat=True))
    assert told == {club_world["owner"].pk, club_world["admin"].pk}
    # Turning it on again (PATCH) resets the failure clock.
    response = client_for(club_world["admin"]).patch(
        f"/api/v1/clubs/{club_world['club'].pk}/webhooks/{hook.pk}/", {"active": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["active"] is True
    hook.refresh_from_db()
    assert hook.failing_since is None and hook.disabled_reason == ""


def test_a_delivery_is_retried_for_24_hours_then_given_up(club_world, hook, receiver):
    receiver.script = [500]
    create_event(club_world)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    before = len(jobs())
    attempt = webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert attempt.next_attempt_at is None and delivery.state == DeliveryState.FAILED
    assert len(jobs()) == before  # no further retry
    hook.refresh_from_db()
    assert hook.active  # the hook itself has not failed for 24 hours


def test_the_log_keeps_the_last_100_attempts_per_hook(club_world, hook, receiver):
    create_event(club_world)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    long_ago = timezone.now() - dt.timedelta(days=1)
    WebhookAttempt.objects.bulk_create(
        [
            WebhookAttempt(webhook=hook, delivery=delivery, event_type="event.created", attempt=1, status_code=500,
                           delivered_at=long_ago + dt.timedelta(seconds=n))
            for n in range(LOG_SIZE + 5)
        ]
    )  # fmt: skip
    newest = webhook_deliver(delivery_id=delivery.pk)
    assert WebhookAttempt.objects.filter(webhook=hook).count() == LOG_SIZE
    assert WebhookAttempt.objects.filter(pk=newest.pk).exists()
    response = client_for(club_world["admin"]).get(
        f"/api/v1/clubs/{club_world['club'].pk}/webhooks/{hook.pk}/deliveries/"
    )
    assert response.status_code == 200 and response.json()["count"] == LOG_SIZE
    first = response.json()["results"][0]
    assert set(first) == {"id", "event_type", "status_code", "attempt", "delivered_at", "next_attempt_at", "error"}
    assert first["id"] == str(newest.pk)


def test_a_change_that_rolls_back_sends_nothing(club_world, hook):
    with pytest.raises(RuntimeError), transaction.atomic():
        data = dict(EVENT_BODY, event_date=dt.date.fromisoformat(FUTURE), event_time=dt.time(19))
        event_create(club=club_world["club"], created_by=club_world["owner"], data=data)
        raise RuntimeError("roll back")
    assert not WebhookDelivery.objects.exists()
    assert jobs() == []


def test_a_hostname_is_delivered_to_the_address_that_was_checked(club_world, hook, receiver):
    hook.url = receiver.url(host="localhost")
    hook.save(update_fields=["url"])
    create_event(club_world)
    attempt = webhook_deliver(delivery_id=WebhookDelivery.objects.get(webhook=hook).pk)
    assert attempt.status_code == 200
    assert receiver.received[0].headers["Host"] == f"localhost:{receiver.port}"
