"""deploy/nginx.conf for real, where nginx is installed: nginx in front of gunicorn's sync workers,
as compose runs them (only the upstream address and the listening port are changed)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request
import uuid
from pathlib import Path

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

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)"),
]


def _nginx_config(tmp_path: Path, *, port: int, upstreams: list[str]) -> Path:
    """deploy/nginx.conf listening on `port`, with `upstreams` (host:port) as the app's instances."""
    server = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    line = re.search(r"^ *server app:8000( [^;]*)?;$", server, re.MULTILINE)
    assert "listen 8080;" in server and line
    instances = "\n".join(f"    server {upstream}{line.group(1) or ''};" for upstream in upstreams)
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace(line.group(0), instances)
    (tmp_path / "server.conf").write_text(server)
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"""
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {tmp_path}/server.conf;
}}
"""
    )
    return main


def _post(url: str, size: int = 0, *, body: dict | None = None, token: str = "") -> tuple[int, dict, bytes]:
    data = json.dumps(body).encode() if body is not None else b"x" * size
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_nginx_in_front_of_sync_workers(tmp_path):
    with run_gunicorn(
        tmp_path, database_url(connection.settings_dict), GUNICORN_WORKERS="2", GUNICORN_THREADS="1"
    ) as app:
        port = free_port()
        config = _nginx_config(tmp_path, port=port, upstreams=[f"127.0.0.1:{app.port}"])
        nginx = subprocess.Popen([NGINX, "-c", str(config), "-p", str(tmp_path)], stderr=subprocess.PIPE)
        proxy = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    status, headers, _ = http_get(proxy + "/healthz", headers={"X-Request-ID": "probe-1"}, timeout=2)
                    break
                except OSError:
                    assert nginx.poll() is None, nginx.stderr.read().decode()
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.1)
            assert status == 200 and headers["X-Request-ID"] == "probe-1"  # the client's id reaches the app

            status, headers, body = http_get(proxy + "/api/v1/auth/me/", headers={"X-Request-ID": "not a sane id!"})
            assert status == 401 and json.loads(body)["errors"][0]["code"] == "not_authenticated"
            # An id the app would refuse is replaced by nginx's own, which the app then keeps.
            assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])

            # Links in answers name the address the client used, port included (Host passes through).
            status, _, body = _post(
                proxy + "/api/v1/auth/register/",
                body={"email": "proxy@example.com", "password": "a-long-enough-passphrase-42", "name": "Proxy"},
            )
            assert status == 201, body
            token = json.loads(body)["access"]
            for name in ("One", "Two"):
                status, _, body = _post(proxy + "/api/v1/clubs/", body={"name": f"Club {name}"}, token=token)
                assert status == 201, body
            status, _, body = http_get(
                proxy + "/api/v1/clubs/?page_size=1", headers={"Authorization": f"Bearer {token}"}
            )
            assert status == 200 and json.loads(body)["next"].startswith(f"{proxy}/api/v1/clubs/?")

            # A request line gunicorn would refuse in HTML is refused by nginx, in JSON.
            status, _, body = http_get(proxy + "/api/v1/clubs/?search=" + "a" * 5000)
            assert status == 414 and json.loads(body)["errors"][0]["code"] == "uri_too_long"

            # A body up to the cap reaches the app (which finds it is not JSON) ...
            status, _, body = _post(proxy + "/api/v1/auth/login/", 1024 * 1024)
            assert status == 400 and json.loads(body)["errors"][0]["code"] == "parse_error"
            # ... a larger one is refused by nginx, in the API's JSON shape.
            status, headers, body = _post(proxy + "/api/v1/auth/login/", 1024 * 1024 + 1)
            assert status == 413 and headers["Content-Type"] == "application/json"
            assert json.loads(body)["errors"][0]["code"] == "request_too_large"

            app.process.terminate()
            app.process.wait(timeout=30)
            status, headers, body = http_get(proxy + "/api/v1/clubs/")
            assert status == 503 and headers["Retry-After"] == "5"
            assert json.loads(body) == {
                "type": "server_error",
                "errors": [
                    {
                        "code": "service_unavailable",
                        "detail": "The service is unavailable; try again shortly.",
                        "attr": None,
                    }
                ],
            }
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


@contextlib.contextmanager
def _run_nginx(tmp_path: Path, upstreams: list[str]):
    """nginx with deploy/nginx.conf in front of `upstreams`; yields its port once it answers."""
    port = free_port()
    config = _nginx_config(tmp_path, port=port, upstreams=upstreams)
    nginx = subprocess.Popen([NGINX, "-c", str(config), "-p", str(tmp_path)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                http_get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield port
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


UNTHROTTLED = "user=1000000/min,anon=1000000/min,register=1000/min"


def test_rolling_restart_of_one_of_two_instances_behind_nginx_loses_nothing(tmp_path):
    """Two gunicorns behind deploy/nginx.conf under load (reads and writes); each is stopped with
    SIGTERM and started again on its port in turn: every request is answered by one of them."""
    database = database_url(connection.settings_dict)
    settings = {
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "1",
        "GUNICORN_ACCESS_LOG": "false",
        "THROTTLE_RATES": UNTHROTTLED,
        "NUM_PROXIES": "1",
    }
    with contextlib.ExitStack() as stack:
        instances = [stack.enter_context(run_gunicorn(tmp_path, database, **settings)) for _ in range(2)]
        port = stack.enter_context(_run_nginx(tmp_path, [f"127.0.0.1:{server.port}" for server in instances]))
        token = register(f"http://127.0.0.1:{port}", f"rolling-{uuid.uuid4().hex[:8]}@example.com")
        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        requests = [("GET", "/api/v1/clubs/", auth, None)] * 4 + [
            ("POST", "/api/v1/clubs/", auth, json.dumps({"name": "Rolling"}).encode())
        ]
        tally, stop = LoadTally(), threading.Event()
        clients = hammer(port, requests, clients=4, tally=tally, stop=stop, stop_when_refused=False)

        def wait_for(answered: int) -> None:
            deadline = time.monotonic() + 120
            while tally.answered < answered:
                assert time.monotonic() < deadline, tally.summary()
                time.sleep(0.05)

        try:
            wait_for(400)
            for n, old in enumerate(instances):
                old.process.terminate()  # SIGTERM
                old.process.wait(timeout=40)
                assert old.process.returncode == 0
                restarted = run_gunicorn(tmp_path / f"restart-{n}", database, port=old.port, **settings)
                (tmp_path / f"restart-{n}").mkdir()
                instances[n] = stack.enter_context(restarted)
                # nginx tries an instance again fail_timeout (2 s) after it refused a connection.
                time.sleep(3)
                wait_for(tally.answered + 300)
            wait_for(2_000)
        finally:
            stop.set()
            for thread in clients:
                thread.join(timeout=30)
        print(f"\nrolling restart behind nginx: {tally.summary()}")
        assert tally.sent >= 2_000 and tally.refused == 0
        assert tally.lost == 0, (tally.summary(), tally.failures)
