"""deploy/nginx.conf for real, where nginx is installed: nginx in front of gunicorn's sync workers,
as compose runs them (only the upstream address and the listening port are changed)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.ops.servers import BASE_DIR, database_url, free_port, http_get, run_gunicorn

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)"),
]


def _nginx_config(tmp_path: Path, *, port: int, upstream: str) -> Path:
    server = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    assert "listen 8080;" in server and "http://app:8000" in server
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace("http://app:8000", upstream)
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
        config = _nginx_config(tmp_path, port=port, upstream=app.url)
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
