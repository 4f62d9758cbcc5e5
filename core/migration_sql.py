"""Raw SQL that Django's schema editor cannot express on Django 5.2, used by migrations.

- `updated_at` triggers, so rows updated with plain SQL keep `updated_at` true. They use
  `statement_timestamp()` (as Django's `Now()` does for the column defaults) rather than the seed's
  CURRENT_TIMESTAMP, which is frozen at transaction start and would make an update in the same
  transaction as the insert look older than the insert.
- Foreign keys with the seed's ON DELETE behaviour enforced by PostgreSQL itself (Django 5.2 only
  emulates `on_delete` in Python, so a plain-SQL DELETE would otherwise be refused).
"""

from django.db import migrations
from psycopg.sql import SQL, Identifier, Literal

UPDATED_AT_FUNCTION = """
CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = statement_timestamp();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def _text(statement: SQL) -> str:
    return statement.as_string(None)


def updated_at_trigger(table: str) -> migrations.RunSQL:
    """A BEFORE UPDATE trigger that stamps `updated_at` on every row update of `table`."""
    names = {"trigger": Identifier(f"update_{table}_updated_at"), "table": Identifier(table)}
    drop = _text(SQL("DROP TRIGGER IF EXISTS {trigger} ON {table};").format(**names))
    return migrations.RunSQL(
        sql=[
            UPDATED_AT_FUNCTION,
            drop,
            _text(
                SQL(
                    "CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();"
                ).format(**names)
            ),
        ],
        reverse_sql=[drop],
    )


def foreign_key_on_delete(table: str, column: str, target: str, action: str) -> migrations.RunSQL:
    """Recreate Django's foreign key on `table.column` with `ON DELETE <action>` in the database.

    The constraint keeps Django's DEFERRABLE INITIALLY DEFERRED so transactions behave as before;
    its name is fixed (`fk_<table>_<column>`) so tests and later migrations can find it. `action`
    is one of PostgreSQL's referential actions (CASCADE, SET NULL, ...), from migration code.
    """
    if action not in {"CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "SET DEFAULT"}:
        raise ValueError(f"not a referential action: {action!r}")
    names = {
        "table": Identifier(table),
        "column": Identifier(column),
        "target": Identifier(target),
        "name": Identifier(f"fk_{table}_{column}"),
        "action": SQL(action),
    }
    drop_existing = SQL("""
DO $$
DECLARE con record;
BEGIN
    FOR con IN
        SELECT c.conname FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.contype = 'f' AND c.conrelid = {table_literal}::regclass AND a.attname = {column_literal}
    LOOP
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', {table_literal}, con.conname);
    END LOOP;
END $$;
""").format(table_literal=Literal(table), column_literal=Literal(column))
    add = "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target}(id)"
    return migrations.RunSQL(
        sql=[
            _text(drop_existing),
            _text(SQL(add + " ON DELETE {action} DEFERRABLE INITIALLY DEFERRED;").format(**names)),
        ],
        reverse_sql=[
            _text(SQL("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name};").format(**names)),
            _text(SQL(add + " DEFERRABLE INITIALLY DEFERRED;").format(**names)),
        ],
    )


# --- version stamps of cached representations (docs/architecture.md, "Versions, ETags and cached
# representations") ------------------------------------------------------------------------------
# The scope of the database-wide epoch: part of every cache key, set to a random value by the
# migration and by whatever replaces data wholesale (`restore`, `bench_seed`), so content cached
# before such a replacement is never served after it even where a stamp number comes back.
EPOCH_SCOPE = "00000000-0000-0000-0000-000000000000"

CACHE_STAMPS_TABLE = f"""
CREATE SEQUENCE IF NOT EXISTS cache_stamp_seq;
CREATE TABLE IF NOT EXISTS cache_stamps (
    scope_id uuid PRIMARY KEY,
    club_id uuid NULL,
    stamp bigint NOT NULL,
    xid xid8 NOT NULL
);
CREATE INDEX IF NOT EXISTS cache_stamps_club_stamp ON cache_stamps (club_id) INCLUDE (stamp)
    WHERE club_id IS NOT NULL;
INSERT INTO cache_stamps (scope_id, club_id, stamp, xid)
    VALUES ('{EPOCH_SCOPE}', NULL, (random() * 9e18)::bigint, pg_current_xact_id())
    ON CONFLICT (scope_id) DO UPDATE SET stamp = EXCLUDED.stamp;

-- Bump the stamp of `scope` (once per transaction: nobody sees an uncommitted stamp). The new
-- stamp is drawn AFTER the row lock is taken (SET, not the VALUES), so a committed stamp of a
-- scope only ever grows. `bookwork.stamp_every_write` on (tests only, tests/conftest.py: a test
-- in one never-committed transaction reads after each write) bumps at every write.
CREATE OR REPLACE FUNCTION cache_stamp_bump(scope uuid, club uuid) RETURNS void AS $$
    INSERT INTO cache_stamps AS s (scope_id, club_id, stamp, xid)
    VALUES (scope, club, nextval('cache_stamp_seq'), pg_current_xact_id())
    ON CONFLICT (scope_id) DO UPDATE
        SET stamp = nextval('cache_stamp_seq'), xid = EXCLUDED.xid, club_id = EXCLUDED.club_id
        WHERE s.xid IS DISTINCT FROM EXCLUDED.xid
            OR current_setting('bookwork.stamp_every_write', true) = 'on';
$$ LANGUAGE sql;

-- Bump a club's scope, unless the club is gone (a deleted club keeps no stamp row).
CREATE OR REPLACE FUNCTION cache_stamp_bump_club(club uuid) RETURNS void AS $$
BEGIN
    IF club IS NOT NULL AND EXISTS (SELECT 1 FROM clubs WHERE id = club) THEN
        PERFORM cache_stamp_bump(club, NULL);
    END IF;
END;
$$ LANGUAGE plpgsql;

-- Bump an event's scope, unless the event is gone (its stamp row went with it).
CREATE OR REPLACE FUNCTION cache_stamp_bump_event(event uuid) RETURNS void AS $$
DECLARE club uuid;
BEGIN
    SELECT e.club_id INTO club FROM events e WHERE e.id = event;
    IF FOUND THEN
        PERFORM cache_stamp_bump(event, club);
    END IF;
END;
$$ LANGUAGE plpgsql;
"""
CACHE_STAMPS_DROP = """
DROP FUNCTION IF EXISTS cache_stamp_bump_event(uuid);
DROP FUNCTION IF EXISTS cache_stamp_bump_club(uuid);
DROP FUNCTION IF EXISTS cache_stamp_bump(uuid, uuid);
DROP TABLE IF EXISTS cache_stamps;
DROP SEQUENCE IF EXISTS cache_stamp_seq;
"""


def cache_stamps_table() -> migrations.RunSQL:
    """The `cache_stamps` table, its sequence, the epoch row and the bump functions."""
    return migrations.RunSQL(sql=CACHE_STAMPS_TABLE, reverse_sql=CACHE_STAMPS_DROP)


def stamp_trigger(
    table: str, body: str, *, events: str = "INSERT OR UPDATE OR DELETE", when: str = "", name: str = ""
) -> migrations.RunSQL:
    """A constraint trigger `cache_stamp_<table>` on `table`, DEFERRABLE INITIALLY DEFERRED, FOR EACH
    ROW, running the plpgsql `body` (which sees NEW/OLD and TG_OP) at commit: the stamp rows are
    locked only then, after every entity lock of the transaction (core/locks.py's order).
    `when`: the trigger's WHEN condition (e.g. only some columns changed); `name`: the trigger's
    name when `cache_stamp_<table>` is taken. Every piece comes from migration code, never from input."""
    name = name or f"cache_stamp_{table}"
    names = {"function": Identifier(f"{name}_fn"), "trigger": Identifier(name), "table": Identifier(table)}
    create_function = SQL("CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$\nBEGIN\n").format(**names)
    create_trigger = SQL(
        "CREATE CONSTRAINT TRIGGER {trigger} AFTER " + events + " ON {table} DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW " + (f"WHEN ({when}) " if when else "") + "EXECUTE FUNCTION {function}();"
    ).format(**names)
    drop = [
        _text(SQL("DROP TRIGGER IF EXISTS {trigger} ON {table};").format(**names)),
        _text(SQL("DROP FUNCTION IF EXISTS {function}();").format(**names)),
    ]
    return migrations.RunSQL(
        sql=[
            _text(create_function) + body + "\n    RETURN NULL;\nEND;\n$$ LANGUAGE plpgsql;",
            *drop[:1],
            _text(create_trigger),
        ],
        reverse_sql=drop,
    )


# --- derived scopes: versions of what hangs off a club or a user -------------------------------
# A derived scope's id is a digest of a kind and an owner's id (`cache_scope`), so it needs no
# table of its own and never meets a club's or an event's scope. Its row has no `club_id`: it is
# never summed into `club_events_version`. Kinds name their owner's table by their prefix.
DERIVED_KINDS = {
    "club.books": "clubs",
    "club.polls": "clubs",
    "club.webhooks": "clubs",
    "club.joins": "clubs",
    "user.joins": "users",
    "user.notifications": "users",
    "user.settings": "users",
    "user.sessions": "users",
    "club.attempts": "clubs",
    # One scope for the whole site (owner: EPOCH_SCOPE), bumped by audit's own triggers.
    "site.history": "",
}

DERIVED_STAMPS = """
CREATE OR REPLACE FUNCTION cache_scope(kind text, owner uuid) RETURNS uuid AS $$
    SELECT md5(kind || ':' || owner::text)::uuid;
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

-- Bump the derived scope (kind, owner), unless the owner is gone (its rows went with it).
CREATE OR REPLACE FUNCTION cache_stamp_bump_derived(kind text, owner uuid) RETURNS void AS $$
BEGIN
    IF owner IS NULL THEN
        RETURN;
    END IF;
    IF (kind LIKE 'club.%' AND EXISTS (SELECT 1 FROM clubs WHERE id = owner))
        OR (kind LIKE 'user.%' AND EXISTS (SELECT 1 FROM users WHERE id = owner)) THEN
        PERFORM cache_stamp_bump(cache_scope(kind, owner), NULL);
    END IF;
END;
$$ LANGUAGE plpgsql;
"""
DERIVED_STAMPS_DROP = """
DROP FUNCTION IF EXISTS cache_stamp_bump_derived(text, uuid);
DROP FUNCTION IF EXISTS cache_scope(text, uuid);
"""


def derived_stamps() -> migrations.RunSQL:
    """`cache_scope(kind, owner)` and `cache_stamp_bump_derived(kind, owner)`."""
    return migrations.RunSQL(sql=DERIVED_STAMPS, reverse_sql=DERIVED_STAMPS_DROP)


def derived_stamp_trigger(table: str, *bumps: tuple[str, str], name: str = "") -> migrations.RunSQL:
    """A `stamp_trigger` on `table` bumping, for each `(kind, owner)` of `bumps`, the derived scope
    of the owner in the old row (update, delete) and in the new one (insert, update). `owner` is
    an SQL expression over `{row}` (OLD or NEW), e.g. `{row}.club_id` or a subquery from a parent
    row; from migration code, never from input."""
    lines = []
    for kind, owner in bumps:
        if kind not in DERIVED_KINDS:
            raise ValueError(f"not a derived scope kind: {kind!r}")
        for op, row in (("INSERT", "OLD"), ("DELETE", "NEW")):
            call = f"PERFORM cache_stamp_bump_derived({_text(Literal(kind))}, {owner.format(row=row)});"
            lines.append(f"    IF TG_OP <> '{op}' THEN\n        {call}\n    END IF;")
    return stamp_trigger(table, "\n".join(lines), name=name)


def derived_stamps_forget(table: str, prefix: str) -> migrations.RunSQL:
    """A trigger on `table` dropping, with a row, the rows of its derived scopes (kinds `prefix.*`)."""
    kinds = [kind for kind in DERIVED_KINDS if kind.startswith(prefix + ".")]
    scopes = ", ".join(f"cache_scope({_text(Literal(kind))}, OLD.id)" for kind in kinds)
    body = f"    DELETE FROM cache_stamps WHERE scope_id IN ({scopes});"
    return stamp_trigger(table, body, events="DELETE", name=f"cache_stamp_{table}_derived")
