"""The webhooks' worker job (procrastinate, autodiscovered by `manage.py worker`): one attempt of
one delivery (`webhooks.delivery.webhook_deliver`); retries are new jobs scheduled by it."""

from __future__ import annotations

from procrastinate.contrib.django import app

from notifications.tasks import _observed, _with_fresh_connections
from webhooks.delivery import webhook_deliver
from webhooks.emit import DELIVER_TASK, QUEUE


@app.task(name=DELIVER_TASK, queue=QUEUE)
@_with_fresh_connections
@_observed(DELIVER_TASK)
def deliver(*, delivery_id: str) -> str:
    attempt = webhook_deliver(delivery_id=delivery_id)
    return "skipped" if attempt is None else f"attempt {attempt.attempt}: {attempt.status_code or attempt.error}"
