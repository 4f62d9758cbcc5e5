"""`BENCH_AUDIT=off` (bench/run.py): the audit history's own cost, on the same code and data."""

from __future__ import annotations

import contextlib

from bench.common import conninfo, log

# The audit history's row triggers (django-pghistory's trackers, installed by pgtrigger as
# `pgtrigger_<insert|update|delete>_<same>_<hash>`; audit/models.py).
AUDIT_TRIGGERS = r"^pgtrigger_(insert_insert|update_update|delete_delete)_[0-9a-f]+$"


@contextlib.contextmanager
def audit_triggers(db_name: str, *, enabled: bool, quiet: bool = False):
    """The audit-history triggers of `db_name` switched on or off for the block, and on again after
    it (BENCH_AUDIT=off: the cost of the history in an A/B on the same code and data). The switch
    is the table's (ALTER TABLE ... DISABLE TRIGGER), so every gunicorn worker sees it; a run that
    was killed inside the block leaves them off until the next run, which always switches them first."""
    import psycopg
    from psycopg import sql

    def switch(conn, on: bool) -> int:
        found = conn.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname ~ %s",
            [AUDIT_TRIGGERS],
        ).fetchall()
        verb = sql.SQL("ENABLE" if on else "DISABLE")
        for table, name in found:
            conn.execute(
                sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(sql.Identifier(table), verb, sql.Identifier(name))
            )
        return len(found)

    with psycopg.connect(conninfo(db_name), autocommit=True) as conn:
        count = switch(conn, enabled)
    if not enabled and not quiet:
        log(f"audit history off: {count} triggers disabled on {db_name}")
    try:
        yield
    finally:
        if not enabled:
            with psycopg.connect(conninfo(db_name), autocommit=True) as conn:
                switch(conn, True)
