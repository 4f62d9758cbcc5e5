"""`manage.py migrate` is the whole database setup: a fresh database, `migrate` and nothing else,
then gunicorn with the database cache (no REDIS_URL) serves register and login, and /readyz
names what is missing when something is."""

from __future__ import annotations

import json
import urllib.request
import uuid

import psycopg
import pytest
from django.db import connection

from tests.ops.servers import database_url, manage, production_env, run_gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def fresh_database():
    name = f"ops_fresh_{uuid.uuid4().hex[:10]}"
    admin = database_url(connection.settings_dict, name="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(connection.settings_dict, name=name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_migrate_alone_makes_a_working_server(fresh_database, tmp_path):
    env = production_env(DATABASE_URL=fresh_database)
    env.pop("REDIS_URL", None)  # the database cache, as a server without Redis has
    result = manage("migrate", "--noinput", env=env, timeout=180)
    assert result.returncode == 0, result.stderr
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT to_regclass('django_cache')").fetchone()[0] == "django_cache"

    with run_gunicorn(tmp_path, fresh_database, REDIS_URL="") as server:
        assert server.get_json("/readyz") == (200, {"status": "ok", "database": "ok"})
        credentials = {"email": "fresh@example.com", "password": "a-long-enough-passphrase-42"}
        status, body = _post(server.url + "/api/v1/auth/register/", {**credentials, "name": "Fresh"})
        assert status == 201, body
        status, body = _post(server.url + "/api/v1/auth/login/", credentials)
        assert status == 200, body
        assert body["access"]

        # Take the cache table away (as before this migration existed): /readyz says so.
        with psycopg.connect(fresh_database, autocommit=True) as conn:
            conn.execute("DROP TABLE django_cache")
        status, body = server.get_json("/readyz")
        assert status == 503
        assert body["missing"] == ["cache table django_cache"]
