"""A request whose database connection is killed under it (bookwork/db_retry.py): reads and
writes that had sent nothing that can write are run again on a new connection; a write that may
have reached the server answers 503 with Retry-After and changes nothing."""

from __future__ import annotations

import contextlib

import psycopg
import pytest
from django.db import connection

from bookwork.db_retry import may_write
from clubs.models import Club
from tests.conftest import client_for
from tests.factories import ClubFactory, UserFactory
from tests.ops.servers import database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_connection_after(transactional_db):
    """The test client keeps the request's connection: drop it if a test left it killed."""
    yield
    connection.close()


@contextlib.contextmanager
def kill_connection_before(predicate):
    """Terminate this thread's PostgreSQL backend just before the first statement matching
    `predicate` is sent (once), as `pg_terminate_backend` from another session would."""
    admin = database_url(connection.settings_dict, name="postgres")
    state = {"killed": 0, "statements": []}

    def killer(execute, sql, params, many, context):
        state["statements"].append(sql.split(None, 1)[0].upper())
        if not state["killed"] and predicate(sql):
            state["killed"] += 1
            pid = context["connection"].connection.info.backend_pid
            with psycopg.connect(admin, autocommit=True) as conn:
                # The timeout makes it wait until the backend is gone.
                assert conn.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
        return execute(sql, params, many, context)

    with connection.execute_wrapper(killer):
        yield state


def _client(user):
    client = client_for(user)
    # A 5xx is reported through `got_request_exception`, which the test client would re-raise.
    client.raise_request_exception = False
    return client


def _select(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT")


def test_a_read_is_retried_once_on_a_new_connection(caplog):
    user = UserFactory()
    ClubFactory(name="Readers", owner=user)
    client = _client(user)
    with kill_connection_before(lambda sql: _select(sql) and '"clubs"' in sql) as state:
        response = client.get("/api/v1/clubs/?mine=true")
    assert state["killed"] == 1
    assert response.status_code == 200, response.content
    assert "database connection lost; retrying" in caplog.text


def test_a_read_fails_if_the_retry_loses_its_connection_too():
    user = UserFactory()
    client = _client(user)
    admin = database_url(connection.settings_dict, name="postgres")

    def always_kill(execute, sql, params, many, context):
        if '"clubs"' in sql:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(%s, 5000)", [context["connection"].connection.info.backend_pid]
                )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(always_kill):
        response = client.get("/api/v1/clubs/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["errors"][0]["code"] == "database_unavailable"


def test_a_write_that_sent_no_change_is_retried_and_applied_once():
    user = UserFactory()
    client = _client(user)
    # The first statement of the request (the authenticating user's lookup): nothing written yet.
    with kill_connection_before(_select) as state:
        response = client.post("/api/v1/clubs/", {"name": "Retried"}, format="json")
    assert state["killed"] == 1
    assert response.status_code == 201, response.content
    assert Club.objects.filter(name="Retried").count() == 1


def test_a_write_that_may_have_reached_the_server_answers_503_and_changes_nothing():
    user = UserFactory()
    client = _client(user)
    with kill_connection_before(lambda sql: sql.lstrip().startswith('INSERT INTO "clubs"')) as state:
        response = client.post("/api/v1/clubs/", {"name": "Not twice"}, format="json")
    assert state["killed"] == 1
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["errors"][0]["code"] == "database_unavailable"
    assert not Club.objects.filter(name="Not twice").exists()


def test_a_statement_timeout_is_not_retried():
    user = UserFactory()
    client = _client(user)
    calls = []

    def slow(execute, sql, params, many, context):
        if '"clubs"' in sql and _select(sql):
            calls.append(sql)
            execute("SET statement_timeout = 50", None, False, context)
            try:
                return execute("SELECT pg_sleep(1)", None, False, context)
            finally:
                execute("RESET statement_timeout", None, False, context)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(slow):
        response = client.get("/api/v1/clubs/")
    assert response.status_code == 503
    assert len(calls) == 1  # the connection is fine: not run a second time


WRITES = {
    'SELECT "clubs"."id" FROM "clubs"': False,
    "  select 1": False,
    "SAVEPOINT s1": False,
    'INSERT INTO "clubs" VALUES (1)': True,
    'UPDATE "events" SET x = 1': True,
    "WITH moved AS (DELETE FROM rsvps RETURNING *) SELECT * FROM moved": True,
    "WITH q AS (SELECT 1) SELECT * FROM q": False,
    "CREATE TABLE x (id int)": True,
    'INSERT INTO "django_cache" (cache_key) VALUES (%s)': False,  # a throttle counter
}


def test_which_statements_count_as_writes(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    }
    assert {sql: may_write(sql) for sql in WRITES} == WRITES
