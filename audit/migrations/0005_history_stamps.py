"""Version stamp of what a club's activity feed shows beyond its club's and events' stamps
(`site.history`, docs/architecture.md, "Versions, ETags and cached representations"):

- deleting history rows (`manage.py prune_history`, the only writer that deletes them) bumps it,
  once per statement (a row trigger would bump once per pruned row);
- the displayed columns of site staff (who act in clubs they may not belong to) bump it; every
  other actor's name is already in the stamps of their clubs or of the events they answered."""

import importlib

from django.db import migrations
from psycopg.sql import SQL, Identifier

from core.migration_sql import EPOCH_SCOPE, stamp_trigger

stamps = importlib.import_module("clubs.migrations.0007_cache_stamps")

HISTORY_TABLES = (
    *("audit_userhistory", "audit_clubhistory", "audit_membershiphistory", "audit_eventhistory"),
    *("audit_rsvphistory", "audit_itemhistory", "audit_bookhistory", "audit_readinghistory"),
    *("audit_pollhistory", "audit_polloptionhistory", "audit_ballothistory", "audit_joinrequesthistory"),
    *("audit_invitehistory", "audit_webhookhistory"),
)
BUMP = f"PERFORM cache_stamp_bump(cache_scope('site.history', '{EPOCH_SCOPE}'::uuid), NULL);"

PRUNED = f"""
CREATE OR REPLACE FUNCTION cache_stamp_history_pruned_fn() RETURNS trigger AS $$
BEGIN
    {BUMP}
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _statement_trigger(table: str, drop: bool = False) -> str:
    names = {"trigger": Identifier(f"cache_stamp_{table}_pruned"), "table": Identifier(table)}
    if drop:
        return SQL("DROP TRIGGER IF EXISTS {trigger} ON {table};").format(**names).as_string(None)
    return SQL(
        "CREATE TRIGGER {trigger} AFTER DELETE ON {table} FOR EACH STATEMENT "
        "EXECUTE FUNCTION cache_stamp_history_pruned_fn();"
    ).format(**names).as_string(None)


STAFF = " OR ".join(f"NEW.{flag}" for flag in ("is_staff", "is_superuser"))
STAFF_WHEN = f"({stamps.USER_DISPLAYED}) AND (NEW.role IN ('admin', 'moderator') OR {STAFF})"


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_later_models_history"), ("clubs", "0008_derived_stamps")]

    operations = [
        migrations.RunSQL(
            sql=[PRUNED, *(_statement_trigger(table) for table in HISTORY_TABLES)],
            reverse_sql=[
                *(_statement_trigger(table, drop=True) for table in HISTORY_TABLES),
                "DROP FUNCTION IF EXISTS cache_stamp_history_pruned_fn();",
            ],
        ),
        stamp_trigger("users", "    " + BUMP, events="UPDATE", when=STAFF_WHEN, name="cache_stamp_users_staff"),
    ]
