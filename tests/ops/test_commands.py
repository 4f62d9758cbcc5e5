"""The operators' commands against real PostgreSQL: db_health, maintenance, backup/restore,
create_db_roles; each has --help and a clear exit status."""

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from bookwork.management.commands._pg import choose_binary
from bookwork.management.commands.backup import backup_name, backups_to_prune
from tests.factories import EventFactory, UserFactory
from tests.ops.servers import database_url, manage, production_env

COMMANDS = ["db_health", "maintenance", "backup", "restore", "create_db_roles", "worker", "send_reminders"]


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = manage(command, "--help", env=production_env())
    assert result.returncode == 0
    assert "usage: manage.py " + command in result.stdout


# --- db_health ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_db_health_json_has_the_seed_summary_and_the_index_report():
    user = UserFactory()
    type(user).objects.filter(pk=user.pk).update(last_login=timezone.now() - timedelta(hours=1))
    UserFactory()  # never logged in
    EventFactory()
    report = json.loads(run("db_health", "--json"))
    summary = report["summary"]
    assert summary["connections"]["value"] >= 1
    assert summary["connections"]["max"] >= 10
    assert summary["database_size_mb"]["value"] >= 1
    assert summary["active_users_24h"]["value"] == 1
    assert summary["events_this_month"]["value"] == 1
    tables = {row["table"] for row in report["tables"]}
    assert {"users", "clubs", "events", "refresh_tokens"} <= tables
    indexes = {row["index"] for row in report["index_usage"]}
    assert "users_pkey" in indexes
    unused = {row["index"] for row in report["unused_indexes"]}
    assert not any(row["is_unique"] or row["is_primary"] for row in report["unused_indexes"])
    assert unused <= indexes


@pytest.mark.django_db
def test_db_health_text_report():
    text = run("db_health")
    for heading in ("active connections", "Tables (largest first)", "Index usage", "Unused indexes"):
        assert heading in text


def test_db_health_exits_1_when_the_database_is_unreachable():
    env = production_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/bookwork", DB_CONNECT_TIMEOUT="1")
    result = manage("db_health", env=env)
    assert result.returncode == 1
    assert "database unreachable" in result.stderr
    assert "Traceback" not in result.stderr


# --- maintenance -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_maintenance_analyzes_cleans_tokens_and_vacuums():
    output = run("maintenance")
    assert "done: ANALYZE" in output
    assert "cleanup_tokens" in output
    assert 'done: VACUUM (ANALYZE) "users"' in output
    assert 'done: VACUUM (ANALYZE) "events"' in output
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'users'")
        assert cursor.fetchone()[0] is True


@pytest.mark.django_db(transaction=True)
def test_maintenance_deletes_dead_refresh_tokens():
    from tests.factories import RefreshTokenFactory

    long_ago = timezone.now() - timedelta(days=400)
    dead = RefreshTokenFactory()
    type(dead).objects.filter(pk=dead.pk).update(
        created_at=long_ago, expires_at=long_ago + timedelta(days=1), family_expires_at=long_ago + timedelta(days=2)
    )
    live = RefreshTokenFactory()
    run("maintenance", "--skip-vacuum")
    remaining = set(type(dead).objects.values_list("pk", flat=True))
    assert dead.pk not in remaining
    assert live.pk in remaining


@pytest.mark.django_db
def test_maintenance_refuses_to_run_inside_a_transaction():
    # The db fixture wraps the test in a transaction, as a caller's atomic() block would.
    with pytest.raises(CommandError, match="outside a transaction"):
        run("maintenance")


@pytest.mark.django_db
def test_maintenance_dry_run_lists_the_steps():
    output = run("maintenance", "--dry-run")
    assert "would run: ANALYZE" in output
    assert 'would run: VACUUM (ANALYZE) "clubs"' in output


# --- backup / restore --------------------------------------------------------------------------


def test_binary_choice_needs_a_major_version_at_least_the_servers():
    candidates = [("/usr/bin/pg_dump", 15), ("/opt/pg16/bin/pg_dump", 16)]
    assert choose_binary(candidates, 15) == "/usr/bin/pg_dump"
    assert choose_binary(candidates, 16) == "/opt/pg16/bin/pg_dump"
    assert choose_binary(candidates, 17) is None


def test_pruning_keeps_recent_backups_and_other_files(tmp_path):
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    old = tmp_path / backup_name("bookwork", now - timedelta(days=8))
    recent = tmp_path / backup_name("bookwork", now - timedelta(days=6))
    other_db = tmp_path / backup_name("otherdb", now - timedelta(days=30))
    unrelated = tmp_path / "notes.txt"
    for path in (old, recent, other_db, unrelated):
        path.write_text("x")
    assert backups_to_prune(tmp_path, "bookwork", now=now, keep_days=7) == [old]
    assert backups_to_prune(tmp_path, "bookwork", now=now, keep_days=0) == []


@pytest.fixture
def scratch_database():
    """A throwaway database on the same server (never the shared test database)."""
    name = f"ops_scratch_{uuid.uuid4().hex[:10]}"
    admin = database_url(connection.settings_dict, name="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = database_url(connection.settings_dict, name=name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE books (id int PRIMARY KEY, title text NOT NULL)")
        conn.execute("INSERT INTO books VALUES (1, 'Middlemarch'), (2, 'Beloved'), (3, 'Kindred')")
    try:
        yield name, url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _books(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT id, title FROM books ORDER BY id").fetchall()


@pytest.mark.django_db
def test_backup_then_restore_brings_back_the_original_rows(scratch_database, tmp_path):
    name, url = scratch_database
    stale = tmp_path / backup_name(name, datetime.now(UTC) - timedelta(days=10))
    stale.write_text("old")

    output = run("backup", "--output-dir", str(tmp_path), "--keep-days", "7", "--dbname", name)
    dumps = sorted(tmp_path.glob(f"bookwork-{name}-*.dump"))
    assert len(dumps) == 1 and not stale.exists()
    assert "pruned" in output
    dump = dumps[0]
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert not list(tmp_path.glob("*.partial"))

    original = _books(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM books WHERE id = 1")
        conn.execute("UPDATE books SET title = 'changed' WHERE id = 2")
        conn.execute("INSERT INTO books VALUES (4, 'added later')")
    assert _books(url) != original

    with pytest.raises(CommandError, match="--yes"):
        run("restore", str(dump), "--dbname", name)
    assert _books(url) != original  # refused: nothing touched

    run("restore", str(dump), "--yes", "--dbname", name)
    assert _books(url) == original == [(1, "Middlemarch"), (2, "Beloved"), (3, "Kindred")]


def _database_exists(name: str) -> bool:
    admin = database_url(connection.settings_dict, name="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


@pytest.mark.django_db
def test_restore_into_a_new_database_creates_it(scratch_database, tmp_path):
    name, url = scratch_database
    run("backup", "--output-dir", str(tmp_path), "--dbname", name)
    (dump,) = tmp_path.glob(f"bookwork-{name}-*.dump")
    new = f"{name}_copy"
    admin = database_url(connection.settings_dict, name="postgres")
    try:
        assert not _database_exists(new)
        output = run("restore", str(dump), "--yes", "--dbname", new)
        assert f"into {new} (created)" in output
        assert _books(database_url(connection.settings_dict, name=new)) == _books(url)

        # A failed restore into a database it created leaves no empty database behind.
        broken = tmp_path / "broken.dump"
        broken.write_bytes(b"not a dump")
        with pytest.raises(CommandError, match="pg_restore failed"):
            run("restore", str(broken), "--yes", "--dbname", f"{new}_2")
        assert not _database_exists(f"{new}_2")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{new}" WITH (FORCE)')
            conn.execute(f'DROP DATABASE IF EXISTS "{new}_2" WITH (FORCE)')


@pytest.mark.django_db
def test_restore_of_a_missing_or_broken_file_fails_cleanly(scratch_database, tmp_path):
    name, url = scratch_database
    with pytest.raises(CommandError, match="no such backup file"):
        run("restore", str(tmp_path / "nope.dump"), "--yes", "--dbname", name)
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"not a dump")
    with pytest.raises(CommandError, match="pg_restore failed"):
        run("restore", str(broken), "--yes", "--dbname", name)
    assert len(_books(url)) == 3


def test_backup_command_exit_status_is_1_on_failure(tmp_path):
    env = production_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/bookwork", DB_CONNECT_TIMEOUT="1")
    result = manage("backup", "--output-dir", str(tmp_path), env=env)
    assert result.returncode == 1
    assert not list(Path(tmp_path).iterdir())


# --- create_db_roles ---------------------------------------------------------------------------


@pytest.fixture
def role_names():
    suffix = uuid.uuid4().hex[:8]
    app, readonly = f"ops_app_{suffix}", f"ops_ro_{suffix}"
    yield app, readonly
    with connection.cursor() as cursor:
        for role in (app, readonly):
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')


def _as(role: str, password: str):
    return psycopg.connect(
        database_url(connection.settings_dict, name=connection.settings_dict["NAME"]).replace(
            "postgres://" + (connection.settings_dict.get("USER") or "postgres"), f"postgres://{role}:{password}", 1
        ),
        autocommit=True,
    )


@pytest.mark.django_db(transaction=True)
def test_create_db_roles_is_idempotent_and_least_privilege(role_names, settings):
    app, readonly = role_names
    settings.DB_APP_PASSWORD = "app-pass-0123456789"
    settings.DB_READONLY_PASSWORD = "ro-pass-0123456789"
    run("create_db_roles", "--app-role", app, "--readonly-role", readonly)
    output = run("create_db_roles", "--app-role", app, "--readonly-role", readonly)  # again: no error
    assert "roles ready" in output
    UserFactory(email="roles-check@example.com")

    with _as(app, "app-pass-0123456789") as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1
        conn.execute("UPDATE users SET name = 'renamed' WHERE email = 'roles-check@example.com'")
        conn.execute("DELETE FROM django_cache")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE sneaky (id int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DROP TABLE users")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("ALTER TABLE users ADD COLUMN sneaky int")

    with _as(readonly, "ro-pass-0123456789") as conn:
        assert conn.execute("SELECT name FROM users").fetchone()[0] == "renamed"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE users SET name = 'nope'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM django_cache")


@pytest.mark.django_db
def test_create_db_roles_print_shows_sql_without_running_it_or_leaking_passwords(role_names, settings):
    app, readonly = role_names
    settings.DB_APP_PASSWORD = "app-secret-should-not-print"
    output = run("create_db_roles", "--print", "--app-role", app, "--readonly-role", readonly)
    assert f'CREATE ROLE "{app}" LOGIN' in output
    assert f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app}"' in output
    assert f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{readonly}"' in output
    assert "app-secret-should-not-print" not in output
    assert "********" in output
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [app, readonly])
        assert cursor.fetchone()[0] == 0
