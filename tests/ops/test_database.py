"""Database resilience: timeouts on every connection, recovery from killed backends and outages,
and the PgBouncer / pool switches."""

import json
import uuid

import pytest
from django.db import connection

from tests.ops.servers import TcpProxy, database_url, manage, production_env, run_gunicorn


@pytest.mark.django_db
def test_statement_timeout_is_five_seconds_by_default():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "5s"


def test_connect_timeout_and_application_name_are_set(settings):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["connect_timeout"] == 5
    assert options["application_name"] == "bookwork"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def _settings_of(**env) -> dict:
    code = (
        "from django.conf import settings; import json; print(json.dumps(settings.DATABASES['default'], default=repr))"
    )
    result = manage("shell", "-c", code, env=production_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pgbouncer_mode_disables_prepared_statements_server_cursors_and_the_pool():
    config = _settings_of(PGBOUNCER="true", DB_POOL="true")
    assert config["OPTIONS"]["prepare_threshold"] is None
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "pool" not in config["OPTIONS"]


def test_pool_mode_takes_sizes_from_the_environment():
    config = _settings_of(DB_POOL="true", DB_POOL_MIN_SIZE="2", DB_POOL_MAX_SIZE="6")
    assert config["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 6, "timeout": 10}
    assert config["CONN_MAX_AGE"] == 0  # Django's pool refuses persistent connections


def test_default_mode_is_persistent_connections_with_health_checks():
    config = _settings_of()
    assert "pool" not in config["OPTIONS"]
    assert config["CONN_MAX_AGE"] == 60
    assert config["CONN_HEALTH_CHECKS"] is True
    assert "prepare_threshold" not in config["OPTIONS"]


@pytest.mark.django_db
def test_statement_timeout_cancels_a_slow_query():
    code = (
        "from django.db import connection\n"
        "try:\n"
        "    connection.cursor().execute('SELECT pg_sleep(3)')\n"
        "    print('finished')\n"
        "except Exception as error:\n"
        "    print(type(error.__cause__).__name__)\n"
    )
    url = database_url(connection.settings_dict)
    result = manage("shell", "-c", code, env=production_env(DATABASE_URL=url, DB_STATEMENT_TIMEOUT_MS="200"))
    assert result.stdout.strip().splitlines()[-1] == "QueryCanceled", result.stdout + result.stderr


def _terminate(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            [application_name],
        )
        return cursor.fetchone()[0]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pool", ["false", "true"], ids=["persistent", "pool"])
def test_requests_succeed_after_the_backends_are_killed(tmp_path, pool):
    name = f"bookwork-ops-{uuid.uuid4().hex[:8]}"
    url = database_url(connection.settings_dict)
    with run_gunicorn(tmp_path, url, DB_APPLICATION_NAME=name, DB_POOL=pool) as server:
        for _ in range(8):
            assert server.get("/readyz")[0] == 200
        assert _terminate(name) >= 1
        statuses = [server.get("/readyz")[0] for _ in range(12)]
        assert statuses == [200] * 12, server.log()
        # Kill again while idle, then hit a view that queries through the ORM.
        assert _terminate(name) >= 1
        statuses = [server.get("/metrics")[0] for _ in range(6)]
        assert statuses == [200] * 6, server.log()


def _socket_target(settings_dict: dict):
    host = settings_dict.get("HOST") or "/tmp"
    port = int(settings_dict.get("PORT") or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_database_outage_answers_503_and_recovers_by_itself(tmp_path):
    proxy = TcpProxy(_socket_target(connection.settings_dict))
    proxy.start()
    url = database_url(connection.settings_dict, host="127.0.0.1", port=proxy.port)
    try:
        with run_gunicorn(tmp_path, url, DB_CONNECT_TIMEOUT="2") as server:
            assert server.get("/readyz")[0] == 200
            assert server.get("/metrics")[0] == 200

            proxy.stop()  # PostgreSQL "goes down": connections cut, new ones refused
            for _ in range(4):
                status, body = server.get_json("/readyz")
                assert status == 503
                assert body["database"] == "unreachable"
                status, headers, raw = server.get("/metrics")
                assert status == 503
                body = json.loads(raw)
                assert body["type"] == "server_error"
                assert body["errors"][0]["code"] == "database_unavailable"
                assert headers["X-Request-ID"]
                assert "Traceback" not in raw.decode()
            assert server.get("/healthz")[0] == 200  # liveness does not depend on the database

            proxy.start()  # it comes back; the app must recover without a restart
            statuses = [server.get("/readyz")[0] for _ in range(6)]
            assert statuses == [200] * 6, server.log()
            assert server.get("/metrics")[0] == 200
            assert server.process.poll() is None
    finally:
        proxy.stop()
