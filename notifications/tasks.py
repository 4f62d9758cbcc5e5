"""The worker's jobs (procrastinate, on our PostgreSQL; `manage.py worker` runs them).

- `send_email`: one notification's email, retried with exponential backoff when the mail server
  fails or is down (`EmailRetry`); never sent twice (`notifications.emails`).
- `send_reminders` (every 5 minutes): the reminders that are due (`notifications.reminders`).
- `retry_stalled_jobs` (every minute): jobs left running by a worker that died (no heartbeat for
  WORKER_STALLED_SECONDS) go back to the queue; their transactions were rolled back with the
  dead worker's connections, so a retry redoes them, not half of them.
- `remove_old_jobs` (daily): finished jobs older than WORKER_JOB_RETENTION_DAYS are deleted.

Each job runs inside `core.context.job_run`: its changes are recorded with channel `worker`, the
job's name and the deferring request's id and user (the `origin` argument stored at deferral),
and it is traced as its own span linked to that request's (core/tracing.py).

Sync jobs run in the worker's pool threads, each with its own Django connection: a job closes
it when it ends (a pool thread may then idle for long; jobs are few and not latency-bound, so
a fresh connection per job costs little and holds nothing open between jobs).
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.db import close_old_connections, connections
from procrastinate import RetryDecision
from procrastinate.builtin_tasks import remove_old_jobs as builtin_remove_old_jobs
from procrastinate.contrib.django import app
from procrastinate.retry import BaseRetryStrategy

from core.context import job_run
from notifications import emails, reminders
from notifications.services import EMAIL_QUEUE, EMAIL_TASK

log = logging.getLogger(__name__)


class EmailRetry(BaseRetryStrategy):
    """Up to EMAIL_MAX_ATTEMPTS tries, EMAIL_RETRY_BASE_SECONDS * 2**attempt apart (at most
    EMAIL_RETRY_MAX_SECONDS), read from the settings at each decision."""

    def get_retry_decision(self, *, exception: BaseException, job) -> RetryDecision | None:
        if job.attempts + 1 >= settings.EMAIL_MAX_ATTEMPTS:
            return None
        wait = min(settings.EMAIL_RETRY_BASE_SECONDS * 2**job.attempts, settings.EMAIL_RETRY_MAX_SECONDS)
        return RetryDecision(retry_in={"seconds": wait})


def _observed(name: str):
    """Run the job inside its history context and span (`origin`: what `job_origin()` stored at
    deferral; absent for periodic jobs and for jobs deferred before it existed)."""

    def wrap(function):
        @functools.wraps(function)
        def run(*args, origin: dict | None = None, **kwargs):
            with job_run(name, origin):
                return function(*args, **kwargs)

        return run

    return wrap


def _with_fresh_connections(function):
    @functools.wraps(function)
    def run(*args, **kwargs):
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return run


@app.task(name=EMAIL_TASK, queue=EMAIL_QUEUE, retry=EmailRetry())
@_with_fresh_connections
@_observed(EMAIL_TASK)
def send_email(*, notification_id: str) -> str:
    outcome = emails.notification_email_send(notification_id=notification_id)
    log.info("notification email %s", outcome, extra={"notification_id": notification_id})
    return outcome


@app.periodic(cron="*/5 * * * *", periodic_id="send_reminders")
@app.task(name="notifications.send_reminders", queueing_lock="send_reminders")
@_with_fresh_connections
@_observed("notifications.send_reminders")
def send_reminders(timestamp: int) -> int:
    return reminders.reminders_send()


async def stalled_jobs_retry(job_manager, *, seconds: float) -> int:
    """Put back in the queue the jobs of workers silent for `seconds`; returns how many."""
    stalled = await job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds)
    count = 0
    for job in stalled:
        await job_manager.retry_job(job)
        count += 1
    if count:
        log.warning("retried %d jobs of dead workers", count)
    return count


@app.periodic(cron="* * * * *", periodic_id="retry_stalled_jobs")
@app.task(name="notifications.retry_stalled_jobs", queueing_lock="retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> int:
    return await stalled_jobs_retry(context.app.job_manager, seconds=settings.WORKER_STALLED_SECONDS)


@app.periodic(cron="17 3 * * *", periodic_id="remove_old_jobs")
@app.task(name="notifications.remove_old_jobs", queueing_lock="remove_old_jobs", pass_context=True)
async def remove_old_jobs(context, timestamp: int) -> None:
    await builtin_remove_old_jobs(
        context, max_hours=settings.WORKER_JOB_RETENTION_DAYS * 24, remove_failed=True, remove_cancelled=True
    )
