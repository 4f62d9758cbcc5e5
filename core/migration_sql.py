"""Raw SQL that Django's schema editor cannot express on Django 5.2, used by migrations.

- `updated_at` triggers, so rows updated with plain SQL keep `updated_at` true. They use
  `statement_timestamp()` (as Django's `Now()` does for the column defaults) rather than the seed's
  CURRENT_TIMESTAMP, which is frozen at transaction start and would make an update in the same
  transaction as the insert look older than the insert.
- Foreign keys with the seed's ON DELETE behaviour enforced by PostgreSQL itself (Django 5.2 only
  emulates `on_delete` in Python, so a plain-SQL DELETE would otherwise be refused).
"""

from django.db import migrations

UPDATED_AT_FUNCTION = """
CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = statement_timestamp();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def updated_at_trigger(table: str) -> migrations.RunSQL:
    """A BEFORE UPDATE trigger that stamps `updated_at` on every row update of `table`."""
    return migrations.RunSQL(
        sql=[
            UPDATED_AT_FUNCTION,
            f"DROP TRIGGER IF EXISTS update_{table}_updated_at ON {table};",
            f"CREATE TRIGGER update_{table}_updated_at BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();",
        ],
        reverse_sql=[f"DROP TRIGGER IF EXISTS update_{table}_updated_at ON {table};"],
    )


def foreign_key_on_delete(table: str, column: str, target: str, action: str) -> migrations.RunSQL:
    """Recreate Django's foreign key on `table.column` with `ON DELETE <action>` in the database.

    The constraint keeps Django's DEFERRABLE INITIALLY DEFERRED so transactions behave as before;
    its name is fixed (`fk_<table>_<column>`) so tests and later migrations can find it.
    """
    name = f"fk_{table}_{column}"
    # Identifiers come from migration code, never from input.
    drop_existing = f"""
DO $$
DECLARE con record;
BEGIN
    FOR con IN
        SELECT c.conname FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.contype = 'f' AND c.conrelid = '{table}'::regclass AND a.attname = '{column}'
    LOOP
        EXECUTE format('ALTER TABLE {table} DROP CONSTRAINT %I', con.conname);
    END LOOP;
END $$;
"""  # noqa: S608
    return migrations.RunSQL(
        sql=[
            drop_existing,
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target}(id) "
            f"ON DELETE {action} DEFERRABLE INITIALLY DEFERRED;",
        ],
        reverse_sql=[
            f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name};",
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target}(id) "
            f"DEFERRABLE INITIALLY DEFERRED;",
        ],
    )
