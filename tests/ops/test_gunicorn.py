"""gunicorn as configured by gunicorn.conf.py: no connection before fork, graceful SIGTERM (under
load: tests/ops/test_restarts.py),
a JSON access log with the request id, and metrics added up across workers."""

import signal
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.servers import database_url, run_gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _backends(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name])
        return cursor.fetchone()[0]


def test_no_database_connection_before_the_first_request(tmp_path):
    name = f"bookwork-ops-{uuid.uuid4().hex[:8]}"
    with run_gunicorn(tmp_path, database_url(connection.settings_dict), DB_APPLICATION_NAME=name) as server:
        assert "Using worker: bookwork.graceful.DrainingThreadWorker" in server.log()  # gthread
        assert server.get("/healthz")[0] == 200
        assert _backends(name) == 0
        assert server.get("/readyz")[0] == 200
        assert _backends(name) >= 1


def _start_slow_request(port: int, path: str) -> socket.socket:
    """Open a connection and send half a request: the server is now serving it, waiting for the rest."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
    return sock


def _finish_and_read(sock: socket.socket) -> str:
    sock.sendall(b"X-Slow-Client: yes\r\n\r\n")
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            break
        chunks.append(data)
        if b"\r\n\r\n" in b"".join(chunks) and b'"status"' in b"".join(chunks):
            break
    sock.close()
    return b"".join(chunks).decode(errors="replace")


def _refuses_connections(port: int) -> bool:
    """True when a new connection is refused; False while one is still accepted (the master has
    not handled the signal yet) or dropped unanswered (it stopped taking connections and is about
    to close its socket)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True
    except TimeoutError:
        return False


def test_sigterm_finishes_in_flight_requests_and_refuses_new_connections(tmp_path):
    with run_gunicorn(
        tmp_path, database_url(connection.settings_dict), GUNICORN_GRACEFUL_TIMEOUT="20", GUNICORN_THREADS="4"
    ) as server:
        in_flight = [_start_slow_request(server.port, path) for path in ["/healthz", "/readyz"] * 3]
        time.sleep(0.5)  # let the workers pick them up
        server.process.send_signal(signal.SIGTERM)

        deadline = time.monotonic() + 10
        while not _refuses_connections(server.port):
            assert time.monotonic() < deadline, "new connections still accepted after SIGTERM"
            time.sleep(0.1)
        assert server.process.poll() is None, "the master must wait for the in-flight requests"

        answers = [_finish_and_read(sock) for sock in in_flight]
        for answer in answers:
            assert answer.startswith("HTTP/1.1 200"), answer[:200]
        server.process.wait(timeout=25)
        assert server.process.returncode == 0
        assert _refuses_connections(server.port)


def test_access_log_is_json_with_the_request_id_once_per_request(tmp_path):
    with run_gunicorn(tmp_path, database_url(connection.settings_dict), NUM_PROXIES="1") as server:
        status, headers, _ = server.get(
            "/api/v1/no-such-thing/",
            headers={"X-Request-ID": "gunicorn-log-1", "X-Forwarded-For": "198.51.100.7, 203.0.113.9"},
        )
        assert status == 404
        assert headers["X-Request-ID"] == "gunicorn-log-1"
        deadline = time.monotonic() + 5
        while not [line for line in server.log_lines() if line.get("request_id") == "gunicorn-log-1"]:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
    lines = [line for line in server.log_lines() if line.get("request_id") == "gunicorn-log-1"]
    access = [line for line in lines if line["logger"] in ("gunicorn.access", "bookwork.access")]
    assert len(access) == 1, lines
    line = access[0]
    assert line["logger"] == "gunicorn.access"
    assert (line["method"], line["path"], line["status"], line["view"]) == (
        "GET",
        "/api/v1/no-such-thing/",
        404,
        "unmatched",
    )
    for key in ("time", "level", "message", "user_id", "duration_ms", "remote_addr"):
        assert key in line
    # One trusted proxy: the client is the last address it appended, as the throttles count it.
    assert line["remote_addr"] == "127.0.0.1" and line["client_ip"] == "203.0.113.9"
    starting = [line for line in server.log_lines() if line["logger"] == "gunicorn.error"]
    assert starting, "gunicorn's own lines are JSON too"


def test_metrics_add_up_across_workers(tmp_path):
    with run_gunicorn(tmp_path, database_url(connection.settings_dict), GUNICORN_WORKERS="2") as server:
        metrics_dir = Path(server.env["PROMETHEUS_MULTIPROC_DIR"])
        sent = 0
        # The kernel decides which worker accepts a connection; concurrent batches until both
        # have answered some (bounded), counting every request sent.
        with ThreadPoolExecutor(max_workers=16) as pool:
            for _ in range(40):
                statuses = list(pool.map(lambda _: server.get("/api/v1/ops-metrics-probe/")[0], range(16)))
                assert set(statuses) == {404}
                sent += len(statuses)
                writers = {path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("counter_*.db")}
                if len(writers) == 2:
                    break
        assert len(writers) == 2, "both workers should have served some requests"
        for _ in range(4):  # whichever worker answers the scrape reports all of them
            status, _, body = server.get("/metrics")
            assert status == 200
            totals = {
                tuple(sorted(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(body.decode())
                for sample in family.samples
                if sample.name == "bookwork_http_requests_total"
            }
            assert totals[(("method", "GET"), ("status", "404"), ("view", "unmatched"))] == sent


def test_drain_period_fails_readyz_while_still_serving(tmp_path):
    with run_gunicorn(tmp_path, database_url(connection.settings_dict), GUNICORN_DRAIN_SECONDS="3") as server:
        assert server.get("/readyz")[0] == 200
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        status, body = server.get_json("/readyz")
        assert (status, body) == (503, {"status": "unavailable", "draining": True})
        assert server.get("/api/v1/no-such-thing/")[0] == 404  # still served, by the app
        assert server.process.poll() is None
        time.sleep(3)  # the drain period is over: no new connection is taken any more
        deadline = time.monotonic() + 15
        while not _refuses_connections(server.port):
            assert time.monotonic() < deadline, "still taking connections after the drain period"
            time.sleep(0.1)
        assert server.process.wait(timeout=25) == 0
    assert "Draining for 3 s" in server.log()
