"""The accounts app's worker job (procrastinate, autodiscovered by `manage.py worker`): hourly,
Idempotency-Key records older than IDEMPOTENCY_RETENTION are deleted (`manage.py cleanup_tokens`
does the same from cron)."""

from __future__ import annotations

from django.db import close_old_connections, connections
from procrastinate.contrib.django import app

from accounts.idempotency import idempotency_cleanup
from core.context import job_run


@app.periodic(cron="23 * * * *", periodic_id="cleanup_idempotency_keys")
@app.task(name="accounts.cleanup_idempotency_keys", queueing_lock="cleanup_idempotency_keys")
def cleanup_idempotency_keys(timestamp: int) -> int:
    close_old_connections()
    try:
        with job_run("accounts.cleanup_idempotency_keys", None):
            return idempotency_cleanup()
    finally:
        connections.close_all()
