"""One attempt of one webhook delivery (the worker's job `webhooks.deliver`, webhooks/tasks.py).

- The URL is resolved and checked (`webhooks.addresses`) at every attempt, and the request goes to
  the very address that was checked: Host header, TLS SNI and certificate check use the hook's
  host name, the TCP connection the checked IP. No proxy from the environment, no redirects (a
  3xx is a failure), 5 seconds to connect, to send and to wait for the answer; its body is not read.
- Signed: `Bookwork-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the
  hook's secret; `Bookwork-Event` (the type) and `Bookwork-Delivery` (the delivery id).
- A 2xx answer delivers. 410 turns the hook off. Anything else is a failure: retried after
  RETRY_BASE * 2**(attempt-1) seconds (30 s, 60 s, 2 min, ..., at most RETRY_MAX), for 24 hours
  from the delivery's creation; a hook failing for 24 hours (no success since its first failure)
  is turned off and its club admins notified (`webhook_disabled`).
- The log keeps the newest LOG_SIZE attempts of each hook.

No database lock or transaction is held during the HTTP request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import timedelta

import httpx
from django.db import transaction
from django.utils import timezone
from procrastinate.contrib.django import app as jobs_app

from clubs.models import ClubMember, ClubRole
from core.context import job_origin
from notifications import kinds
from notifications.services import notifications_create
from webhooks.addresses import AddressRefused, resolve
from webhooks.emit import DELIVER_TASK, QUEUE
from webhooks.models import DeliveryState, Webhook, WebhookAttempt, WebhookDelivery

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
LOG_SIZE = 100
USER_AGENT = "Bookwork-Webhooks/1"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The `Bookwork-Signature` header value."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def http_post(*, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST `body` to `url` through the checked address; (status code or None, error text)."""
    try:
        target = resolve(url)
    except AddressRefused as refused:
        return None, str(refused)
    request_url = httpx.URL(url).copy_with(host=target.ip)
    port = "" if target.port == (443 if target.scheme == "https" else 80) else f":{target.port}"
    host_header = f"[{target.host}]" if ":" in target.host else target.host
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with (
            httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client,
            client.stream(
                "POST",
                request_url,
                content=body,
                headers={**headers, "Host": host_header + port},
                extensions=extensions,
            ) as response,
        ):
            return response.status_code, ""
    except httpx.TimeoutException:
        return None, f"No answer within {TIMEOUT_SECONDS:.0f} seconds."
    except httpx.HTTPError as error:
        return None, f"{error.__class__.__name__}: {error}"[:500]


def _retry_in(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** (attempts - 1), RETRY_MAX)


def _hook_disable(*, hook: Webhook, reason: str) -> None:
    hook.active = False
    hook.disabled_reason = reason[:255]
    hook.save(update_fields=["active", "disabled_reason", "updated_at"])
    admins = ClubMember.objects.filter(club_id=hook.club_id, role=ClubRole.ADMIN, is_active=True)
    notifications_create(
        kind=kinds.WEBHOOK_DISABLED,
        user_ids=admins.values_list("user_id", flat=True),
        context={"club": hook.club.name, "url": hook.url, "reason": reason},
        club=hook.club,
        data={"webhook_id": str(hook.pk)},
    )


def _log_trim(*, hook_id) -> None:
    keep = WebhookAttempt.objects.filter(webhook_id=hook_id).order_by("-delivered_at", "-id")[:LOG_SIZE]
    WebhookAttempt.objects.filter(webhook_id=hook_id).exclude(pk__in=keep.values("pk")).delete()


@transaction.atomic
def _record(*, delivery_id, status_code: int | None, error: str, started) -> WebhookAttempt | None:
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return None
    hook = Webhook.objects.select_for_update().select_related("club").get(pk=delivery.webhook_id)
    now = timezone.now()
    delivery.attempts += 1
    delivery.next_attempt_at = None
    ok = status_code is not None and 200 <= status_code < 300
    if ok:
        delivery.state = DeliveryState.DELIVERED
        if hook.failing_since is not None:
            hook.failing_since = None
            hook.save(update_fields=["failing_since", "updated_at"])
    elif status_code == 410:
        delivery.state = DeliveryState.FAILED
        if hook.active:
            _hook_disable(hook=hook, reason="the receiver answered 410 Gone")
    else:
        if hook.failing_since is None:
            hook.failing_since = started
            hook.save(update_fields=["failing_since", "updated_at"])
        if now - hook.failing_since >= GIVE_UP_AFTER and hook.active:
            delivery.state = DeliveryState.FAILED
            _hook_disable(hook=hook, reason="every delivery failed for 24 hours")
        elif now - delivery.created_at >= GIVE_UP_AFTER or not hook.active:
            delivery.state = DeliveryState.FAILED
        else:
            delivery.next_attempt_at = now + _retry_in(delivery.attempts)
            task = jobs_app.configure_task(DELIVER_TASK, queue=QUEUE, schedule_at=delivery.next_attempt_at)
            task.defer(delivery_id=str(delivery.pk), origin=job_origin())
    delivery.save(update_fields=["attempts", "state", "next_attempt_at"])
    attempt = WebhookAttempt.objects.create(
        webhook=hook,
        delivery=delivery,
        event_type=delivery.event_type,
        attempt=delivery.attempts,
        status_code=status_code,
        error=error[:500],
        delivered_at=started,
        next_attempt_at=delivery.next_attempt_at,
    )
    _log_trim(hook_id=hook.pk)
    return attempt


def webhook_deliver(*, delivery_id) -> WebhookAttempt | None:
    """Make the next attempt of a pending delivery and record it; None when there is nothing to
    do (delivered, given up, or gone). A delivery of a hook turned off is given up unsent."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return None
    hook = delivery.webhook
    started = timezone.now()
    if not hook.active:
        return _record(delivery_id=delivery_id, status_code=None, error="The webhook is turned off.", started=started)
    body = bytes(delivery.body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Bookwork-Event": delivery.event_type,
        "Bookwork-Delivery": str(delivery.pk),
        "Bookwork-Signature": signature(secret=hook.secret, timestamp=int(time.time()), body=body),
    }
    status_code, error = http_post(url=hook.url, body=body, headers=headers)
    if error:
        log.info("webhook delivery failed: %s", error, extra={"delivery_id": str(delivery_id)})
    return _record(delivery_id=delivery_id, status_code=status_code, error=error, started=started)
