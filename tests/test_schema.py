"""The seed schema, proven from PostgreSQL's own catalog after Django's migrations ran.

Each expectation below names what seed 001 designs (or our documented replacement, see
docs/schema.md). A later migration that drops or changes one of them fails here.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

TABLES = ["users", "clubs", "club_members", "events", "event_items", "availability", "refresh_tokens"]


def query(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def index_defs(table: str) -> list[str]:
    return [
        row[0]
        for row in query("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s", [table])
    ]


def has_index(table: str, pattern: str) -> bool:
    """True when some index of `table` has a definition (`CREATE ... INDEX name ON ...`) matching `pattern`."""
    regex = re.compile(pattern)
    return any(regex.search(definition) for definition in index_defs(table))


def constraint_defs(table: str, kind: str) -> list[str]:
    return [
        row[0]
        for row in query(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = %s",
            [table, kind],
        )
    ]


def column(table: str, name: str) -> dict:
    rows = query(
        """SELECT data_type, udt_name, column_default, is_nullable, character_maximum_length
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s AND column_name = %s""",
        [table, name],
    )
    assert rows, f"{table}.{name} is missing"
    data_type, udt, default, nullable, length = rows[0]
    return {"type": data_type, "udt": udt, "default": default, "nullable": nullable == "YES", "length": length}


def test_every_seed_table_exists():
    existing = {row[0] for row in query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert set(TABLES) <= existing


@pytest.mark.parametrize("table", TABLES)
def test_uuid_primary_keys_default_to_gen_random_uuid(table):
    id_column = column(table, "id")
    assert id_column["type"] == "uuid"
    assert id_column["default"] == "gen_random_uuid()"


@pytest.mark.parametrize(
    ("table", "name", "data_type", "udt"),
    [
        ("clubs", "tags", "ARRAY", "_text"),
        ("events", "attendees", "ARRAY", "_uuid"),
        ("events", "event_date", "date", "date"),
        ("events", "event_time", "time without time zone", "time"),
        ("users", "password_hash", "character varying", "varchar"),
        ("users", "last_login_at", "timestamp with time zone", "timestamptz"),
        ("refresh_tokens", "token_hash", "character varying", "varchar"),
        ("club_members", "joined_date", "timestamp with time zone", "timestamptz"),
    ],
)
def test_column_types(table, name, data_type, udt):
    found = column(table, name)
    assert (found["type"], found["udt"]) == (data_type, udt)


@pytest.mark.parametrize(
    ("table", "name", "default"),
    [
        ("users", "role", "'member'"),
        ("users", "is_active", "true"),
        ("clubs", "is_public", "false"),
        ("clubs", "tags", "'{}'"),
        ("club_members", "role", "'member'"),
        ("club_members", "books_read", "0"),
        ("club_members", "is_active", "true"),
        ("events", "type", "'discussion'"),
        ("events", "is_public", "false"),
        ("events", "attendees", "'{}'"),
        ("events", "duration_minutes", "120"),
        ("event_items", "category", "'other'"),
        ("event_items", "status", "'pending'"),
        ("refresh_tokens", "is_revoked", "false"),
    ],
)
def test_column_defaults(table, name, default):
    assert column(table, name)["default"].startswith(default)


@pytest.mark.parametrize("table", ["users", "clubs", "events", "event_items", "availability"])
def test_timestamps_have_database_defaults(table):
    for name in ("created_at", "updated_at"):
        assert column(table, name)["default"] in {"now()", "CURRENT_TIMESTAMP", "statement_timestamp()"}


@pytest.mark.parametrize(
    ("table", "pattern"),
    [
        ("users", r"UNIQUE INDEX .*\(email\)$"),
        ("users", r"\(role\)$"),
        ("users", r"\(is_active\) WHERE is_active$"),
        ("users", r"\(last_login_at\)$"),
        ("users", r"\(email\) WHERE is_active$"),
        ("clubs", r"\(owner_id\)$"),
        ("clubs", r"\(is_public\) WHERE is_public$"),
        ("clubs", r"\(name\)$"),
        ("clubs", r"USING gin \(tags\)$"),
        ("club_members", r"UNIQUE INDEX .*\(club_id, user_id\)$"),
        ("club_members", r"btree \(club_id\)$"),
        ("club_members", r"btree \(user_id\)$"),
        ("club_members", r"\(club_id, is_active\) WHERE is_active$"),
        ("club_members", r"\(club_id, role\)$"),
        ("club_members", r"\(club_id, is_active, role\) WHERE is_active$"),
        ("events", r"btree \(club_id\)$"),
        ("events", r"btree \(event_date\)$"),
        ("events", r"\(club_id, event_date\)$"),
        ("events", r"btree \(type\)$"),
        ("events", r"\(created_by_id\)$"),
        ("events", r"USING gin \(attendees\)$"),
        ("events", r"\(club_id, event_date, type\)$"),
        ("events", r"\(event_date, club_id\)$"),
        ("event_items", r"btree \(event_id\)$"),
        ("event_items", r"\(assigned_to_id\)$"),
        ("event_items", r"btree \(status\)$"),
        ("event_items", r"btree \(category\)$"),
        ("event_items", r"\(event_id, status\)$"),
        ("availability", r"UNIQUE INDEX .*\(event_id, user_id\)$"),
        ("availability", r"btree \(event_id\)$"),
        ("availability", r"btree \(user_id\)$"),
        ("availability", r"btree \(status\)$"),
        ("availability", r"btree \(event_id, status\)$"),
        ("availability", r"\(event_id, status\) INCLUDE \(user_id\)$"),
        ("refresh_tokens", r"btree \(user_id\)$"),
        ("refresh_tokens", r"UNIQUE INDEX .*\(token_hash\)$"),
        ("refresh_tokens", r"btree \(expires_at\)$"),
        ("refresh_tokens", r"\(user_id, expires_at, is_revoked\) WHERE \(NOT is_revoked\)$"),
    ],
)
def test_seed_indexes(table, pattern):
    assert has_index(table, pattern), f"no index on {table} matching {pattern}: {index_defs(table)}"


@pytest.mark.parametrize(
    ("table", "fragments"),
    [
        ("users", ["role", "'admin'", "'moderator'", "'member'", "'guest'"]),
        ("users", ["email", "~", "A-Za-z0-9._%+-"]),
        ("users", ["email", "lower(("]),
        ("clubs", ["max_members > 0"]),
        ("club_members", ["role", "'admin'", "'moderator'", "'member'", "'guest'"]),
        ("club_members", ["books_read >= 0"]),
        ("events", ["type", "'discussion'", "'meeting'", "'social'", "'planning'", "'other'"]),
        ("events", ["max_attendees > 0"]),
        ("events", ["duration_minutes > 0"]),
        ("event_items", ["category", "'agenda'", "'task'", "'material'", "'note'", "'other'"]),
        ("event_items", ["status", "'pending'", "'in_progress'", "'completed'", "'cancelled'"]),
        ("availability", ["status", "'available'", "'unavailable'", "'maybe'"]),
        ("refresh_tokens", ["expires_at > created_at"]),
    ],
)
def test_check_constraints(table, fragments):
    checks = constraint_defs(table, "c")
    assert any(all(fragment in check for fragment in fragments) for check in checks), checks


def test_no_check_depends_on_the_current_date():
    for table in TABLES:
        for check in constraint_defs(table, "c"):
            assert "CURRENT_DATE" not in check and "now()" not in check and "CURRENT_TIMESTAMP" not in check


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("club_members", "(club_id, user_id)"),
        ("availability", "(event_id, user_id)"),
        ("refresh_tokens", "(token_hash)"),
        ("users", "(email)"),
    ],
)
def test_unique_constraints(table, columns):
    assert f"UNIQUE {columns}" in constraint_defs(table, "u")


@pytest.mark.parametrize(
    ("table", "fk_column", "target", "action"),
    [
        ("clubs", "owner_id", "users", "n"),
        ("club_members", "club_id", "clubs", "c"),
        ("club_members", "user_id", "users", "c"),
        ("events", "club_id", "clubs", "c"),
        ("events", "created_by_id", "users", "n"),
        ("event_items", "event_id", "events", "c"),
        ("event_items", "assigned_to_id", "users", "n"),
        ("event_items", "created_by_id", "users", "n"),
        ("availability", "event_id", "events", "c"),
        ("availability", "user_id", "users", "c"),
        ("refresh_tokens", "user_id", "users", "c"),
    ],
)
def test_foreign_keys_carry_the_seed_on_delete_action(table, fk_column, target, action):
    rows = query(
        """SELECT c.confrelid::regclass::text, c.confdeltype FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
           WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s""",
        [table, fk_column],
    )
    assert rows == [(target, action)]


@pytest.mark.parametrize("table", ["users", "clubs", "events", "event_items", "availability"])
def test_updated_at_triggers_exist(table):
    rows = query("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table])
    assert (f"update_{table}_updated_at",) in rows


def test_plain_sql_rows_get_ids_timestamps_and_updated_at():
    [(user_id, created, updated)] = query(
        "INSERT INTO users (name, email, password_hash) VALUES ('Plain', 'plain@example.com', 'x') "
        "RETURNING id, created_at, updated_at"
    )
    assert user_id and created and updated
    [(club_id,)] = query("INSERT INTO clubs (name, owner_id) VALUES ('Plain club', %s) RETURNING id", [user_id])
    [(before,)] = query("SELECT updated_at FROM clubs WHERE id = %s", [club_id])
    query("UPDATE clubs SET updated_at = '2000-01-01' WHERE id = %s RETURNING id", [club_id])
    [(after,)] = query("SELECT updated_at FROM clubs WHERE id = %s", [club_id])
    assert after.year != 2000, "the trigger must overwrite updated_at on every update"
    assert after > before, "statement_timestamp() moves on within one transaction"


def test_plain_sql_delete_follows_the_seed_on_delete_rules():
    [(owner_id,)] = query(
        "INSERT INTO users (name, email, password_hash) VALUES ('O', 'o@example.com', 'x') RETURNING id"
    )
    [(club_id,)] = query("INSERT INTO clubs (name, owner_id) VALUES ('C', %s) RETURNING id", [owner_id])
    query("INSERT INTO club_members (club_id, user_id) VALUES (%s, %s) RETURNING id", [club_id, owner_id])
    query("DELETE FROM users WHERE id = %s RETURNING id", [owner_id])
    assert query("SELECT owner_id FROM clubs WHERE id = %s", [club_id]) == [(None,)]
    assert query("SELECT count(*) FROM club_members WHERE club_id = %s", [club_id]) == [(0,)]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO users (name, email, password_hash, role) VALUES ('x', 'r@example.com', 'x', 'owner')",
        "INSERT INTO users (name, email, password_hash) VALUES ('x', 'not-an-email', 'x')",
        "INSERT INTO users (name, email, password_hash) VALUES ('x', 'Upper@Example.com', 'x')",
        "INSERT INTO clubs (name, max_members) VALUES ('x', 0)",
    ],
)
def test_database_rejects_values_the_api_rejects(statement):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        query(statement)
