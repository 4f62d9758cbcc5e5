"""Shared plumbing of `make bench`, `make fuzz` and `make soak`: bench databases on the same
PostgreSQL server as development (never the dev or test database), seeding through
`manage.py bench_seed`, and a production-settings gunicorn on loopback.

Nothing here imports Django: these scripts drive the app from outside, as a client would.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import string
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = RESULTS / ".work"
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
GUNICORN = str(Path(PYTHON).parent / "gunicorn")
EMBEDDED_PG = ROOT / ".data" / "pg"
PASSWORD = "bench-password-2026"
# Throttles stay in the request path (their cache round trip is part of the cost) but with
# limits no benchmark reaches: the scenarios measure the app, not the rate limiter.
UNTHROTTLED = "login=1000000/min,login_email=1000000/min,register=1000000/min,user=1000000/min,anon=1000000/min,calendar_feed=1000000/min"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- databases --------------------------------------------------------------------------------


def server_url() -> str:
    """URL of the PostgreSQL server to use (path ignored): DATABASE_URL, else the embedded one."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"postgres://postgres@{quote(str(EMBEDDED_PG), safe='')}/postgres"


def database_url(name: str) -> str:
    parts = urlsplit(server_url())
    return parts._replace(path=f"/{name}").geturl()


def conninfo(name: str) -> str:
    """libpq connection string for database `name` (libpq reads percent-encoded socket hosts)."""
    return database_url(name)


def ensure_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    # Never the development database: only names that say they are for benchmarks or tests.
    if "bench" not in name and not name.startswith("test_"):
        raise SystemExit(f"refusing to use {name!r} as a bench database (name must contain 'bench')")
    with psycopg.connect(conninfo("postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            log(f"created database {name}")


def drop_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def app_env(db_name: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off, HTTPS redirect off for plain-HTTP loopback) for `db_name`."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bookwork.settings",
        DATABASE_URL=database_url(db_name),
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        THROTTLE_RATES=UNTHROTTLED,
        ACCESS_TOKEN_LIFETIME_SECONDS="7200",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        GUNICORN_ACCESS_LOG="false",
        PYTHONWARNINGS="ignore",
        # Notifications on, email included: writes that notify (an RSVP that promotes someone)
        # also queue their email jobs, as in production. No worker runs; the jobs just wait.
        EMAIL_ENABLED="true",
        EMAIL_URL="dummymail://",
        PUBLIC_URL="http://bench.example",
    )
    if os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7") and _redis_up():
        env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
        env["CACHE_KEY_PREFIX"] = f"bench-{db_name}"
    env.update(extra)
    return env


def _redis_up() -> bool:
    url = urlsplit(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _secret_key() -> str:
    alphabet = string.ascii_letters + string.digits
    return "bench-" + "".join(secrets.choice(alphabet) for _ in range(60))


# One key per process: tokens minted by bench.prepare must verify in the server.
SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or _secret_key()


def manage(db_name: str, *args: str, quiet: bool = False) -> None:
    out = subprocess.DEVNULL if quiet else None
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=app_env(db_name), check=True, stdout=out)


def migrate(db_name: str) -> None:
    ensure_database(db_name)
    manage(db_name, "migrate", "--noinput", "-v", "0")
    # With DEBUG off the web pages name their CSS and htmx through the static manifest.
    manage(db_name, "collectstatic", "--noinput", "-v", "0")


def counts(db_name: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(conninfo(db_name)) as conn:
        row = conn.execute(
            """
            SELECT (SELECT count(*) FROM users WHERE email LIKE 'reader%%'),
                   (SELECT count(*) FROM clubs WHERE name <> 'bench-contention'),
                   (SELECT count(*) FROM events e JOIN clubs c ON c.id = e.club_id
                    WHERE c.name <> 'bench-contention')
            """
        ).fetchone()
    return {"users": row[0], "clubs": row[1], "events": row[2]}


@dataclass(frozen=True)
class Size:
    users: int
    clubs: int
    events: int
    rsvps: int

    @property
    def db_name(self) -> str:
        # BENCH_DB_SUFFIX: a data set of its own, e.g. per checkout in an A/B on one server (the
        # other checkout's migrations, triggers included, never run on this one's data).
        return f"bookwork_bench_u{self.users}_e{self.events}{os.environ.get('BENCH_DB_SUFFIX', '')}"

    @property
    def label(self) -> str:
        return f"{self.events // 1000}k events" if self.events >= 1000 else f"{self.events} events"


def seed(size: Size, *, force: bool = False) -> dict:
    """Migrate and seed `size`'s database unless it already holds exactly that data set."""
    migrate(size.db_name)
    found = counts(size.db_name)
    wanted = {"users": size.users, "clubs": size.clubs, "events": size.events}
    if found == wanted and not force:
        log(f"reusing {size.db_name} ({found})")
        return {"reused": True, **found}
    log(f"seeding {size.db_name}: {wanted} with ~{size.rsvps:,} RSVPs")
    started = time.perf_counter()
    manage(
        size.db_name,
        "bench_seed",
        "--reset",
        f"--users={size.users}",
        f"--clubs={size.clubs}",
        f"--events={size.events}",
        f"--rsvps={size.rsvps}",
        f"--password={PASSWORD}",
    )
    return {"reused": False, "seconds": round(time.perf_counter() - started, 1), **wanted, "rsvps": size.rsvps}


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with production settings on 127.0.0.1, using gunicorn.conf.py when present."""

    def __init__(self, db_name: str, *, log_name: str, **env: str) -> None:
        self.db_name = db_name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Worker recycling (GUNICORN_MAX_REQUESTS) closes idle keep-alive connections, which a
        # load generator counts as socket errors and which would hide memory growth; off here.
        env = {"GUNICORN_MAX_REQUESTS": "0", **env}
        self.env = app_env(db_name, BIND=f"127.0.0.1:{self.port}", **env)
        self.log_path = WORK / f"{log_name}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        WORK.mkdir(parents=True, exist_ok=True)
        if (ROOT / "gunicorn.conf.py").exists():
            cmd = [GUNICORN, "-c", "gunicorn.conf.py", "bookwork.wsgi"]
        else:
            cmd = [GUNICORN, "-b", f"127.0.0.1:{self.port}", "-w", "2", "-k", "gthread", "--threads", "4"]
            cmd.append("bookwork.wsgi")
        self.process = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=self.log_path.open("w"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            with contextlib.suppress(OSError):
                if http_get(self.base + "/readyz", timeout=2)[0] == 200:
                    log(f"gunicorn up on {self.base} (pid {self.process.pid}, database {self.db_name})")
                    return self
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise SystemExit(f"gunicorn did not become ready; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def workers(self) -> list:
        import psutil

        try:
            return psutil.Process(self.pid).children()
        except psutil.Error:
            return []

    def db_queries(self) -> float:
        """Total SQL statements counted by /metrics over all workers (0 if metrics are absent)."""
        status, body = http_get(self.base + "/metrics", timeout=10)
        if status != 200:
            return 0.0
        total = 0.0
        for line in body.decode().splitlines():
            if line.startswith("bookwork_db_queries_total"):
                total += float(line.rsplit(" ", 1)[1])
        return total


class RssSampler:
    """Polls the resident memory of every gunicorn worker; keeps each worker's peak."""

    def __init__(self, server: Server, interval: float = 0.2) -> None:
        self.server, self.interval = server, interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            for worker in self.server.workers():
                with contextlib.suppress(psutil.Error):
                    rss = worker.memory_info().rss
                    self.peaks[worker.pid] = max(self.peaks.get(worker.pid, 0), rss)
            self._stop.wait(self.interval)

    @property
    def peak_mb(self) -> float:
        return round(max(self.peaks.values(), default=0) / 2**20, 1)


def http_get(url: str, *, timeout: float = 10, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback URLs we build
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_json(
    method: str, url: str, *, body: dict | None = None, token: str | None = None, timeout: float = 30
) -> tuple[int, bytes]:
    import json

    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def login(base: str, email: str, password: str = PASSWORD) -> str:
    import json

    status, body = http_json("POST", f"{base}/api/v1/auth/login/", body={"email": email, "password": password})
    if status != 200:
        raise SystemExit(f"login of {email} failed: {status} {body[:300]!r}")
    return json.loads(body)["access"]


def pg_bin(name: str) -> str:
    """A PostgreSQL client binary: the embedded server's own, else the system one."""
    with contextlib.suppress(ImportError):
        import pgserver

        candidate = Path(pgserver.__file__).parent / "pginstall" / "bin" / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found")
    return found


def machine() -> dict:
    import platform

    import psutil

    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": model or platform.processor(),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }
