"""Throttling of login (per IP and per email) and register (per IP): 429 with Retry-After, client IP
from DRF's get_ident (NUM_PROXIES), counters shared by separate server processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from rest_framework import throttling
from rest_framework.test import APIClient

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rates(monkeypatch):
    """Set throttle rates for this test. DRF binds THROTTLE_RATES to the throttle classes at import,
    so overriding settings alone would not reach them."""

    def apply(**scopes: str) -> None:
        base = dict(throttling.SimpleRateThrottle.THROTTLE_RATES)
        base.update(scopes)
        monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", base)

    return apply


def login(client: APIClient, email: str, password: str = "wrong-password-123", **extra):
    return client.post("/api/v1/auth/login/", {"email": email, "password": password}, format="json", **extra)


@pytest.mark.django_db
def test_login_per_ip_limit_answers_429_with_retry_after(rates):
    rates(login="3/min", login_email="100/min")
    client = APIClient()
    statuses = [login(client, f"user{i}@example.com").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    response = login(client, "another@example.com")
    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    # A different client address has its own bucket.
    assert login(client, "x@example.com", REMOTE_ADDR="10.0.0.9").status_code == 401


@pytest.mark.django_db
def test_forwarded_for_cannot_dodge_the_ip_limit_without_trusted_proxies(rates, settings):
    rates(login="2/min", login_email="100/min")
    assert settings.NUM_PROXIES == 0
    client = APIClient()
    statuses = [login(client, "a@example.com", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(4)]
    assert statuses == [401, 401, 429, 429]


@pytest.mark.django_db
def test_with_one_trusted_proxy_the_forwarded_client_is_the_ident(rates, settings):
    rates(login="2/min", login_email="100/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient()
    # The proxy appends the real client; whatever the client forged before it is ignored.
    same_client = [
        login(client, "a@example.com", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7").status_code
        for i in range(3)
    ]
    assert same_client == [401, 401, 429]
    assert login(client, "a@example.com", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 401


@pytest.mark.django_db
def test_login_per_email_limit_holds_across_addresses(rates):
    rates(login="100/min", login_email="3/min")
    user = UserFactory()
    client = APIClient()
    statuses = [login(client, user.email.upper(), REMOTE_ADDR=f"10.1.0.{i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    # Even the right password waits: the account is being guessed at.
    assert login(client, user.email, password="correct-horse-battery-staple").status_code == 429
    # Other accounts are not affected.
    assert login(client, "someone.else@example.com", REMOTE_ADDR="10.1.0.1").status_code == 401


@pytest.mark.django_db
def test_register_per_ip_limit(rates):
    rates(register="2/hour")
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/auth/register/",
            {"email": f"new{i}@example.com", "password": "a-Str0ng-passphrase-2026", "name": "N"},
            format="json",
        ).status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]


@pytest.mark.django_db
def test_throttle_counters_use_the_shared_cache_not_locmem(settings):
    from django.core.cache import cache

    backend = settings.CACHES["default"]["BACKEND"]
    assert "locmem" not in backend.lower()
    assert throttling.SimpleRateThrottle.cache is cache or type(throttling.SimpleRateThrottle.cache) is type(cache)


# --- two server processes share one limit -------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def _post(port: int, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def _wait_ready(port: int, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server on {port} exited: {process.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start")


@pytest.fixture
def two_servers(request):
    """Two gunicorn masters (two workers each) on loopback, on the test database, sharing a cache:
    the database cache, or Redis when parametrized with a REDIS_URL."""
    redis_url = getattr(request, "param", "")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "false",
        "SECRET_KEY": "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "SECURE_SSL_REDIRECT": "false",
        "THROTTLE_RATES": "login=5/min,login_email=1000/min,anon=10000/min",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "GUNICORN_ACCESS_LOG": "false",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": f"auth-test-{os.getpid()}",
        "PROMETHEUS_MULTIPROC_DIR": "",
    }
    env.pop("TEST_DATABASE_NAME", None)
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bookwork.wsgi"],
            cwd=ROOT,
            env={**env, "BIND": f"127.0.0.1:{port}"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 60
        for port, process in zip(ports, processes, strict=True):
            _wait_ready(port, process, deadline)
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(f"{env['CACHE_KEY_PREFIX']}*"):
                client.delete(key)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "two_servers",
    [
        pytest.param("", id="database-cache"),
        pytest.param(
            "redis://127.0.0.1:6379/15",
            id="redis",
            marks=pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379"),
        ),
    ],
    indirect=True,
)
def test_two_server_processes_share_one_login_limit(two_servers):
    """40 concurrent wrong-password logins spread over two gunicorn masters (4 workers): exactly the
    limit (5) get through. Per-process counters let 16 of 40 through in the earlier implementation."""
    ports = two_servers
    attempts = 40

    def attempt(i: int) -> tuple[int, dict]:
        return _post(ports[i % 2], "/api/v1/auth/login/", {"email": f"victim{i}@example.com", "password": "nope"})

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(attempt, range(attempts)))
    statuses = [status for status, _ in results]
    assert statuses.count(401) == 5, statuses
    assert statuses.count(429) == attempts - 5, statuses
    for status, headers in results:
        if status == 429:
            assert int(headers["Retry-After"]) > 0
    # Both processes refuse now, whichever is asked.
    assert _post(ports[0], "/api/v1/auth/login/", {"email": "late@example.com", "password": "x"})[0] == 429
    assert _post(ports[1], "/api/v1/auth/login/", {"email": "late@example.com", "password": "x"})[0] == 429


@pytest.mark.django_db
def test_password_change_guesses_are_throttled_per_account_like_login(rates):
    """Issue 11: 30 wrong `current_password` guesses all answered 400. The default per-account
    limit (5/min) applies, in the same bucket as login, with 429 and Retry-After."""
    from tests.conftest import client_for

    user = UserFactory()
    client = client_for(user)
    body = {"current_password": "wrong-guess-0123", "new_password": "a-brand-new-passphrase-42"}
    statuses = [client.post("/api/v1/auth/password/", body, format="json").status_code for _ in range(7)]
    assert statuses == [400] * 5 + [429] * 2
    throttled = client.post("/api/v1/auth/password/", body, format="json")
    assert throttled.json()["errors"][0]["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    # The same account's login now counts in that bucket too: guesses cannot be split.
    assert login(APIClient(), user.email, REMOTE_ADDR="10.0.0.7").status_code == 429
    # Another account is unaffected.
    other = client_for(UserFactory())
    assert other.post("/api/v1/auth/password/", body, format="json").status_code == 400
