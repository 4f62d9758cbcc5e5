"""Probes: /healthz never touches the database; /readyz needs the database and applied migrations."""

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
    leaf = executor.loader.graph.leaf_nodes()[0]
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [(leaf, False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["pending_migrations"] == 1


def test_unknown_url_is_json_404(client):
    response = client.get("/no/such/path")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["code"] == "not_found"
    assert response["X-Request-ID"]
