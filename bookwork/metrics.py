"""Prometheus metrics: HTTP requests, latency, database queries, domain gauges and the worker's
queue, failures and email sends (the last two groups read from the database at scrape time).

Under gunicorn every worker is its own process, so counters live in files under
`PROMETHEUS_MULTIPROC_DIR` (gunicorn.conf.py sets it before any worker imports this module and
wipes it at start-up) and a scrape adds up all workers. Without that variable (runserver, tests)
the metrics are those of the one process.

Labels are bounded on purpose: `view` is the URL pattern's name (or `unmatched`), `method` one of
the HTTP verbs (or `other`), database statements are counted by their first keyword only. No
label ever carries a path, a query's text or its parameters (pitfall 14).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
KNOWN_STATEMENTS = frozenset({"select", "insert", "update", "delete", "savepoint", "release", "rollback"})

HTTP_REQUESTS = Counter(
    "bookwork_http_requests_total",
    "HTTP requests answered, by URL pattern name, method and status code.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "bookwork_http_request_duration_seconds",
    "Time from the first middleware to the response, by URL pattern name and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DB_QUERIES = Counter(
    "bookwork_db_queries_total",
    "SQL statements sent to PostgreSQL while serving requests, by leading keyword.",
    ["statement"],
)
DB_QUERY_ERRORS = Counter(
    "bookwork_db_query_errors_total",
    "SQL statements that raised, by exception class (OperationalError, IntegrityError, ...).",
    ["error"],
)
DB_QUERY_LATENCY = Histogram(
    "bookwork_db_query_duration_seconds",
    "Time spent executing one SQL statement.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)


def method_label(method: str | None) -> str:
    method = (method or "").upper()
    return method if method in KNOWN_METHODS else "other"


def statement_label(sql: str) -> str:
    keyword = sql.lstrip(" \n\t(").split(None, 1)[0].lower() if sql and sql.strip() else ""
    return keyword if keyword in KNOWN_STATEMENTS else "other"


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    method = method_label(method)
    HTTP_REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    HTTP_LATENCY.labels(view=view, method=method).observe(seconds)


def query_counter(execute: Callable, sql: str, params, many: bool, context) -> object:
    """A `connection.execute_wrapper` hook: count and time each statement, count failures.

    Only the statement's first keyword is recorded, never its text or parameters.
    """
    started = time.perf_counter()
    DB_QUERIES.labels(statement=statement_label(sql)).inc()
    try:
        return execute(sql, params, many, context)
    except Exception as error:
        DB_QUERY_ERRORS.labels(error=error.__class__.__name__).inc()
        raise
    finally:
        DB_QUERY_LATENCY.observe(time.perf_counter() - started)


class DomainCollector:
    """Gauges computed from the database at scrape time: active users, clubs, upcoming events.

    Counting at scrape time keeps the numbers right whichever process changed the data, and a
    count over indexed columns of three tables is cheap at the scrape interval Prometheus uses.
    """

    def collect(self) -> Iterable[Metric]:
        from django.conf import settings
        from django.utils import timezone

        from accounts.models import User
        from clubs.models import Club
        from events.models import Event

        today = timezone.localdate()
        horizon = today + timedelta(days=settings.EVENT_UPCOMING_GAUGE_DAYS)
        users = GaugeMetricFamily("bookwork_users", "Users, by whether the account is active.", labels=["active"])
        users.add_metric(["true"], User.objects.filter(is_active=True).count())
        users.add_metric(["false"], User.objects.filter(is_active=False).count())
        yield users
        yield GaugeMetricFamily("bookwork_clubs", "Clubs.", value=Club.objects.count())
        yield GaugeMetricFamily(
            "bookwork_upcoming_events",
            f"Events dated from today to {settings.EVENT_UPCOMING_GAUGE_DAYS:g} days ahead.",
            value=Event.objects.filter(event_date__gte=today, event_date__lte=horizon).count(),
        )


class WorkerCollector:
    """The background worker's numbers, read from the database at scrape time: its queue (jobs
    due and waiting, and how long the oldest due one has waited), jobs that failed for good (kept WORKER_JOB_RETENTION_DAYS), jobs retried
    after a failure, and notification emails sent. Workers run as their own processes (and
    hosts) outside gunicorn's metric files; the database is where all of them leave a trace."""

    def collect(self) -> Iterable[Metric]:
        from django.db.models import Count, Min, OuterRef, Q, Subquery
        from django.db.models.functions import Coalesce
        from django.utils import timezone
        from procrastinate.contrib.django.models import ProcrastinateEvent, ProcrastinateJob

        from notifications.models import EmailSend

        now = timezone.now()
        due = Q(status="todo") & (Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
        rows = (
            ProcrastinateJob.objects.values("queue_name")
            .annotate(
                due=Count("id", filter=due),
                scheduled=Count("id", filter=Q(status="todo") & ~due),
                running=Count("id", filter=Q(status="doing")),
                failed=Count("id", filter=Q(status="failed")),
                retried=Count("id", filter=Q(status__in=["todo", "doing"], attempts__gt=0)),
                # Since when the oldest due job could have run: its schedule, else its deferral
                # (procrastinate keeps no creation time on the job row; its `deferred` event has it).
                due_since=Min(
                    Coalesce(
                        "scheduled_at",
                        Subquery(
                            ProcrastinateEvent.objects.filter(job=OuterRef("pk"), type="deferred").values("at")[:1]
                        ),
                    ),
                    filter=due,
                ),
            )
            .order_by("queue_name")
        )
        depth = GaugeMetricFamily(
            "bookwork_job_queue_depth",
            "Jobs waiting, by queue and whether they are due now.",
            labels=["queue", "state"],
        )
        running = GaugeMetricFamily("bookwork_jobs_running", "Jobs being run by a worker, by queue.", labels=["queue"])
        failed = GaugeMetricFamily(
            "bookwork_job_failures",
            "Jobs that failed after their last retry (kept for WORKER_JOB_RETENTION_DAYS), by queue.",
            labels=["queue"],
        )
        retried = GaugeMetricFamily(
            "bookwork_jobs_retrying",
            "Jobs waiting or running again after a failed attempt, by queue.",
            labels=["queue"],
        )
        oldest = GaugeMetricFamily(
            "bookwork_job_oldest_due_age_seconds",
            "How long the oldest job that is due has waited, by queue (0 when none is due).",
            labels=["queue"],
        )
        for row in rows:
            queue = row["queue_name"]
            since = row["due_since"]
            oldest.add_metric([queue], max((now - since).total_seconds(), 0.0) if since else 0.0)
            depth.add_metric([queue, "due"], row["due"])
            depth.add_metric([queue, "scheduled"], row["scheduled"])
            running.add_metric([queue], row["running"])
            failed.add_metric([queue], row["failed"])
            retried.add_metric([queue], row["retried"])
        yield from (depth, running, failed, retried, oldest)
        sent = CounterMetricFamily("bookwork_emails_sent", "Notification emails accepted by the mail server.")
        sent.add_metric([], EmailSend.objects.count())
        yield sent


class _Collectors:
    def __init__(self, *sources):
        self.sources = sources

    def collect(self) -> Iterable[Metric]:
        for source in self.sources:
            yield from source.collect()


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render() -> tuple[bytes, str]:
    """The exposition text of every metric (all gunicorn workers together) and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_Collectors(REGISTRY))
    registry.register(DomainCollector())
    registry.register(WorkerCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
