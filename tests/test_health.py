"""Probes: /healthz never touches the database; /readyz needs the database, applied migrations and
the cache table, and fails while gunicorn drains."""

import pytest
from django.db import connection


def test_healthz_answers_without_database(client):
    # No django_db mark: pytest-django makes any database access here raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_ok_when_database_and_migrations_are_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_readyz_503_when_a_migration_is_unapplied(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.nodes[executor.loader.graph.leaf_nodes()[0]]
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [(leaf, False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["pending_migrations"] == 1
    assert response.json()["missing"] == [f"migration {leaf.app_label}.{leaf.name}"]


@pytest.mark.django_db
def test_readyz_503_names_a_missing_cache_table(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    }
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE django_cache")  # rolled back with the test's transaction
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "missing": ["cache table django_cache"]}


@pytest.mark.django_db
def test_readyz_503_while_draining(client, monkeypatch, tmp_path):
    from bookwork import graceful

    flag = tmp_path / "draining"
    monkeypatch.setenv(graceful.DRAIN_FILE_ENV, str(flag))
    assert client.get("/readyz").status_code == 200
    flag.touch()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "draining": True}


def test_unknown_url_is_json_404(client):
    response = client.get("/no/such/path")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["code"] == "not_found"
    assert response["X-Request-ID"]
