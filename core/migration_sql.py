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
