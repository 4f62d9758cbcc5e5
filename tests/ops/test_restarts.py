"""Stopping gunicorn under load loses no request (bookwork/graceful.py).

Clients hammer an authenticated `GET /api/v1/clubs/`, each request on a new connection, so
connections wait in the listen backlog whenever every worker is busy. After 2,000 answers the
server is stopped: SIGTERM to the master, or SIGINT to its whole process group (Ctrl-C in the
terminal of `make run`; the last case runs `make run` itself). Every request that got a connection must get an answer below 500; only
connections made after the stop may be refused. Each case prints its tally (`-s` shows it):

    make test PYTEST_ARGS="tests/ops/test_restarts.py -n0 -s"
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid

import psycopg
import pytest
from django.db import connection

from tests.ops.servers import (
    BASE_DIR,
    LoadTally,
    database_url,
    free_port,
    hammer,
    http_get,
    register,
    run_gunicorn,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS = 6
BEFORE_STOP = 2_000
# Throttles would answer 429 long before 2,000 requests; they are not what is tested here.
UNTHROTTLED = "user=1000000/min,anon=1000000/min,register=1000/min,login=1000/min,login_email=1000/min"


@pytest.mark.parametrize(
    ("stop_signal", "threads"),
    [("SIGTERM", "1"), ("SIGINT", "1"), ("SIGTERM", "2")],
    ids=["sigterm-sync", "sigint-process-group-sync", "sigterm-gthread"],
)
def test_stopping_under_load_loses_no_request(tmp_path, stop_signal, threads):
    with run_gunicorn(
        tmp_path,
        database_url(connection.settings_dict),
        new_session=True,
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS=threads,
        GUNICORN_ACCESS_LOG="false",
        # Threaded workers are also recycled during the load (gthread's own recycling dropped
        # connections it had accepted but not read): that must lose nothing either.
        GUNICORN_MAX_REQUESTS="400" if threads != "1" else "0",
        GUNICORN_MAX_REQUESTS_JITTER="50",
        THROTTLE_RATES=UNTHROTTLED,
    ) as server:
        token = register(server.url, f"load-{uuid.uuid4().hex[:8]}@example.com")
        tally, stop = LoadTally(), threading.Event()
        requests = [("GET", "/api/v1/clubs/", {"Authorization": f"Bearer {token}"}, None)]
        clients = hammer(server.port, requests, clients=CLIENTS, tally=tally, stop=stop)
        try:
            deadline = time.monotonic() + 120
            while tally.answered < BEFORE_STOP:
                assert time.monotonic() < deadline, tally.summary()
                assert tally.lost == 0, tally.failures
                time.sleep(0.05)
            if stop_signal == "SIGTERM":
                server.process.send_signal(signal.SIGTERM)
            else:  # what a terminal does on Ctrl-C: the whole foreground process group
                os.killpg(server.process.pid, signal.SIGINT)
            server.process.wait(timeout=40)
            for thread in clients:
                thread.join(timeout=30)
        finally:
            stop.set()
        print(f"\n{stop_signal} ({'sync' if threads == '1' else 'gthread'}): {tally.summary()}")
        assert server.process.returncode == 0, server.log()[-3000:]
        assert tally.sent >= BEFORE_STOP
        assert tally.lost == 0, (tally.summary(), tally.failures)
        assert "SystemExit" not in server.log()


@pytest.fixture
def scratch_database():
    name = f"ops_run_{uuid.uuid4().hex[:10]}"
    admin = database_url(connection.settings_dict, name="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(connection.settings_dict, name=name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_ctrl_c_on_make_run_loses_no_request(scratch_database, tmp_path):
    """`make run` (migrate, demo data, gunicorn) as the README has it, Ctrl-C under load."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "PROMETHEUS_MULTIPROC_DIR"}
    }
    env.update(
        DATABASE_URL=scratch_database,
        BIND=f"127.0.0.1:{port}",
        GUNICORN_ACCESS_LOG="false",
        THROTTLE_RATES=UNTHROTTLED,
        PYTHONWARNINGS="ignore",
    )
    log_path = tmp_path / "make-run.log"
    with log_path.open("wb") as log:
        make = subprocess.Popen(
            ["make", "run"], cwd=BASE_DIR, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
        )
    tally, stop = LoadTally(), threading.Event()
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if http_get(f"http://127.0.0.1:{port}/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert make.poll() is None and time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.2)
        token = register(f"http://127.0.0.1:{port}", "ctrl-c@example.com")
        requests = [("GET", "/api/v1/clubs/", {"Authorization": f"Bearer {token}"}, None)]
        clients = hammer(port, requests, clients=CLIENTS, tally=tally, stop=stop)
        while tally.answered < BEFORE_STOP:
            assert time.monotonic() < deadline + 120, tally.summary()
            time.sleep(0.05)
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the foreground group
        make.wait(timeout=60)
        for thread in clients:
            thread.join(timeout=30)
    finally:
        stop.set()
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
    print(f"\nCtrl-C on make run: {tally.summary()}")
    log = log_path.read_text()
    assert "SystemExit" not in log
    assert tally.sent >= BEFORE_STOP
    assert tally.lost == 0, (tally.summary(), tally.failures)
