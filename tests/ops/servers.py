"""Helpers for tests that run Bookwork for real: a subprocess environment, gunicorn, a TCP proxy."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def database_url(
    settings_dict: dict, *, host: str | None = None, port: int | None = None, name: str | None = None
) -> str:
    """A DATABASE_URL for the database Django is connected to (the test database by default)."""
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = host if host is not None else (settings_dict.get("HOST") or "")
    port = port if port is not None else settings_dict.get("PORT")
    hostpart = quote(host, safe="") if host.startswith("/") else host
    if port:
        hostpart += f":{port}"
    return f"postgres://{auth}@{hostpart}/{name or settings_dict['NAME']}"


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production-like process: DEBUG off, a fresh key, nothing inherited
    from `make test` that would weaken security settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "TRUST_PROXY", "PGBOUNCER", "DB_"))
        and key not in {"DATABASE_URL", "LOG_LEVEL", "LOG_FORMAT", "PROMETHEUS_MULTIPROC_DIR", "METRICS_TOKEN"}
    }
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "api.example.com,127.0.0.1,localhost",
            "PYTHONWARNINGS": "ignore",
            "READ_ENV_DEV": "false",  # a developer's .env.dev must not shape a production-like process
        }
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, *, timeout: float = 10, headers: dict | None = None) -> tuple[int, dict, bytes]:
    return http_request("GET", url, timeout=timeout, headers=headers)


def http_request(
    method: str, url: str, *, timeout: float = 10, headers: dict | None = None, json_body: dict | None = None
) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request; `json_body` is sent as JSON. An HTTP error is an
    answer like any other, not an exception."""
    headers = dict(headers or {})
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    log_path: Path
    env: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, **kwargs) -> tuple[int, dict, bytes]:
        return http_get(self.url + path, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> tuple[int, dict, bytes]:
        return http_request(method, self.url + path, **kwargs)

    def get_json(self, path: str, **kwargs) -> tuple[int, dict]:
        status, _, body = self.get(path, **kwargs)
        return status, json.loads(body)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log().splitlines():
            with contextlib.suppress(ValueError):
                lines.append(json.loads(line))
        return lines


@contextlib.contextmanager
def run_gunicorn(
    tmp_path: Path, database: str, *, port: int | None = None, new_session: bool = False, **env_overrides: str
):
    """Start `gunicorn -c gunicorn.conf.py bookwork.wsgi` on a free loopback port (or `port`); stop
    it after. `new_session`: in a process group of its own, as a terminal's foreground job is."""
    port = port or free_port()
    log_path = tmp_path / f"gunicorn-{port}.log"
    env = production_env(
        DATABASE_URL=database,
        BIND=f"127.0.0.1:{port}",
        SECURE_SSL_REDIRECT="false",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / f"metrics-{port}"),
    )
    env.update(env_overrides)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bookwork.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
    server = Gunicorn(process=process, port=port, log_path=log_path, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server.log()}")
            try:
                if server.get("/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{server.log()}")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class TcpProxy:
    """A loopback TCP proxy in front of PostgreSQL that can be "unplugged": `stop()` closes the
    listening socket and every connection through it (the server looks down, new connections are
    refused), `start()` listens again on the same port (the server is back)."""

    def __init__(self, target: tuple | str):
        self.target = target  # (host, port) or a Unix socket path
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._running = False

    def _connect_target(self) -> socket.socket:
        if isinstance(self.target, str):
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
        else:
            upstream = socket.create_connection(self.target)
        return upstream

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        self._running = True
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        self._running = False
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept_loop(self, listener: socket.socket) -> None:
        while self._running:
            try:
                ready, _, _ = select.select([listener], [], [], 0.2)
                if not ready:
                    continue
                client, _ = listener.accept()
            except (OSError, ValueError):
                return
            try:
                upstream = self._connect_target()
            except OSError:
                client.close()
                continue
            with self._lock:
                if not self._running:
                    client.close()
                    upstream.close()
                    return
                self._sockets.update({client, upstream})
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        pair = {a: b, b: a}
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 0.5)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            with self._lock:
                for sock in (a, b):
                    self._sockets.discard(sock)
                    sock.close()


@dataclass
class LoadTally:
    """Requests of `hammer`: `sent` got a connection and were written; `answered` got a response
    below 500; `lost` were sent and got a 5xx, a reset or nothing; `refused` never connected."""

    sent: int = 0
    answered: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def lost(self) -> int:
        return self.sent - self.answered

    def summary(self) -> str:
        return f"sent {self.sent}, answered {self.answered}, lost {self.lost}, refused (never connected) {self.refused}"


def request_once(
    port: int, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None
) -> tuple[str, int | None]:
    """One request on a fresh connection: ("refused", None) when no connection was made,
    ("answered", status) or ("lost", None) with the error otherwise."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        try:
            conn.connect()
        except (ConnectionRefusedError, TimeoutError):
            return "refused", None
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            response.read()
            return "answered", response.status
        except (OSError, http.client.HTTPException) as error:
            return f"lost: {type(error).__name__}", None
    finally:
        conn.close()


def hammer(
    port: int,
    requests: list[tuple[str, str, dict, bytes | None]],
    *,
    clients: int,
    tally: LoadTally,
    stop: threading.Event,
    stop_when_refused: bool = True,
) -> list[threading.Thread]:
    """`clients` threads sending `requests` round-robin (each on a new connection, as a client
    without keep-alive) until `stop` is set, or, with `stop_when_refused`, the server is gone."""

    def client(offset: int) -> None:
        n = offset
        while not stop.is_set():
            method, path, headers, body = requests[n % len(requests)]
            n += 1
            outcome, status = request_once(port, method, path, headers=headers, body=body)
            with tally.lock:
                if outcome == "refused":
                    tally.refused += 1
                else:
                    tally.sent += 1
                    if outcome == "answered" and status < 500:
                        tally.answered += 1
                    elif len(tally.failures) < 20:
                        tally.failures.append(f"{method} {path}: {outcome} {status or ''}")
            if outcome == "refused":
                if stop_when_refused:
                    return
                time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def register(url: str, email: str) -> str:
    """Register a user through the API; its access token."""
    request = urllib.request.Request(
        url + "/api/v1/auth/register/",
        data=json.dumps({"email": email, "password": "a-long-enough-passphrase-42", "name": "Load"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access"]
