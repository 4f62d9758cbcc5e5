"""`manage.py worker`: the background worker (procrastinate) with its periodic tasks.

Runs every queue's jobs, WORKER_CONCURRENCY at a time, on its own PostgreSQL connections. At
start it puts back in the queue the jobs of workers that died (no heartbeat for
WORKER_STALLED_SECONDS); the `retry_stalled_jobs` job does the same every minute. SIGTERM or
SIGINT (Ctrl-C) drains: no new job is taken, running ones get WORKER_SHUTDOWN_TIMEOUT_SECONDS to
finish; one cut short has its transaction rolled back and is retried by the next worker.
"""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app

from core import tracing
from notifications.tasks import stalled_jobs_retry


class Command(BaseCommand):
    help = "Run the background worker (notification emails, reminders) until SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument(
            "--concurrency", type=int, default=None, help="Jobs run at once (default: WORKER_CONCURRENCY)."
        )
        parser.add_argument("--once", action="store_true", help="Run the jobs due now, then exit (no periodic wait).")
        parser.add_argument("--queue", action="append", dest="queues", help="Only these queues (repeatable).")

    def handle(self, *args, concurrency=None, once=False, queues=None, **options):
        # Traced like gunicorn's workers when OTEL_EXPORTER_OTLP_ENDPOINT is set: one span per job.
        tracing.install_from_env()
        with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
            asyncio.run(
                self._run(worker_app, concurrency=concurrency or settings.WORKER_CONCURRENCY, once=once, queues=queues)
            )

    async def _run(self, worker_app, *, concurrency: int, once: bool, queues) -> None:
        async with worker_app.open_async():
            await stalled_jobs_retry(worker_app.job_manager, seconds=settings.WORKER_STALLED_SECONDS)
            await worker_app.run_worker_async(
                queues=queues,
                concurrency=concurrency,
                wait=not once,
                shutdown_graceful_timeout=settings.WORKER_SHUTDOWN_TIMEOUT_SECONDS,
                update_heartbeat_interval=settings.WORKER_HEARTBEAT_SECONDS,
                fetch_job_polling_interval=settings.WORKER_POLL_SECONDS,
                stalled_worker_timeout=settings.WORKER_STALLED_SECONDS,
                install_signal_handlers=True,
            )
