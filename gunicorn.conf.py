"""gunicorn configuration for Bookwork: `gunicorn -c gunicorn.conf.py bookwork.wsgi`.

Every value comes from the environment (see docs/operations.md). The defaults were measured on
2 CPU cores against PostgreSQL (docs/operations.md, "Workers and threads"): the request path is
CPU-bound, and 3 sync workers (cores + 1) gave the lowest tail latency. Sync workers serve one
connection at a time, so they belong behind a buffering reverse proxy (compose runs nginx in
front, deploy/nginx.conf); exposed directly to slow clients, use threads (`GUNICORN_THREADS=2`).

- No database connection (nor pool) exists before fork: the app is not preloaded, so each worker
  imports Django and opens its own connections on its first request.
- SIGTERM and SIGINT (Ctrl-C) stop without losing a request (bookwork/graceful.py): after an
  optional drain period (`GUNICORN_DRAIN_SECONDS`, /readyz answering 503), new connections are
  no longer taken, the ones already queued are served, and each worker finishes its in-flight
  requests within `graceful_timeout` before exiting. SIGQUIT is gunicorn's quick shutdown.
- Tracing (core/tracing.py), when OTEL_EXPORTER_OTLP_ENDPOINT is set: started in each worker
  after fork (its exporter thread cannot cross a fork), flushed when the worker exits.
- Metrics: counters of all workers are kept in files under PROMETHEUS_MULTIPROC_DIR (a fresh
  temporary directory unless set), so a scrape served by any worker reports all of them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bookwork import graceful
from bookwork.config import ConfigError, env_bool, env_int, env_str, exit_on_config_error
from core import tracing

try:
    bind = env_str("BIND", "127.0.0.1:8000")
    workers = env_int("GUNICORN_WORKERS", env_int("WEB_CONCURRENCY", 3, minimum=1), minimum=1)
    threads = env_int("GUNICORN_THREADS", 1, minimum=1)
    # A request that takes longer than this is killed with its worker: the outer bound of the
    # request-time story (DB_STATEMENT_TIMEOUT_MS bounds each SQL statement well inside it).
    timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
    graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 20, minimum=1)
    # Seconds between a stop signal and the moment new connections stop being taken, during which
    # /readyz answers 503 so a load balancer moves traffic elsewhere (0: none, e.g. standalone).
    drain_seconds = env_int("GUNICORN_DRAIN_SECONDS", 0, minimum=0)
    keepalive = env_int("GUNICORN_KEEPALIVE", 5, minimum=0)
    # Recycle workers now and then (bounds slow leaks); the jitter keeps them from restarting together.
    max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
    max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 100, minimum=0)
    accesslog = "-" if env_bool("GUNICORN_ACCESS_LOG", True) else None
except ConfigError as error:
    exit_on_config_error(error)

# gthread, except that a worker stopping serves the connections it accepted (bookwork/graceful.py).
worker_class = "bookwork.graceful.DrainingThreadWorker" if threads > 1 else "sync"
preload_app = False
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = "bookwork.logging.GunicornLogger"
# The heartbeat file lives in memory when possible (a container's overlay filesystem can stall it).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
proc_name = "bookwork"
# Large headers are refused by gunicorn itself; bodies are capped by the app (MAX_REQUEST_BODY_BYTES).
limit_request_field_size = 8190

_metrics_dir_owned = False
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Must be in the environment before a worker imports prometheus_client.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bookwork-metrics-")
    _metrics_dir_owned = True

# The file whose existence makes /readyz answer 503 while draining; read by the workers.
os.environ[graceful.DRAIN_FILE_ENV] = str(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]) / "draining")

# Imported now, in the master and after PROMETHEUS_MULTIPROC_DIR is set: importing it inside
# child_exit (a SIGCHLD handler) can re-enter a half-finished import when two workers exit
# together, which crashed the master with an ImportError on SIGTERM.
from prometheus_client import multiprocess  # noqa: E402


def on_starting(server) -> None:
    """Check the configuration once, in the master, so a bad setting stops start-up with one line
    instead of every worker failing to boot; and start metrics from zero."""
    try:
        import bookwork.settings  # noqa: F401  (reads and validates every setting; opens nothing)
    except ConfigError as error:
        exit_on_config_error(error)
    metrics_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):
        stale.unlink()
    Path(os.environ[graceful.DRAIN_FILE_ENV]).unlink(missing_ok=True)


def when_ready(server) -> None:
    graceful.install(server, drain_seconds=drain_seconds)


def post_fork(server, worker) -> None:
    tracing.install_from_env()


def worker_exit(server, worker) -> None:
    tracing.shutdown()


def post_worker_init(worker) -> None:
    graceful.ignore_sigint(worker)


def child_exit(server, worker) -> None:
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _metrics_dir_owned:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
