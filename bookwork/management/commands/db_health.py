"""`manage.py db_health [--json]`: a health report of the database for operators.

The seed's `db_health_summary` (active connections against `max_connections`, database size,
users active in the last 24 hours, events created this month), connections by state, table sizes,
index usage and unused indexes. Exit status 0 when the report was produced, 1 when the database
cannot be reached.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

SUMMARY_SQL = """
SELECT 'connections' AS metric, count(*)::bigint AS value,
       (SELECT setting::bigint FROM pg_settings WHERE name = 'max_connections') AS max_value
  FROM pg_stat_activity WHERE state = 'active'
UNION ALL
SELECT 'database_size_mb', pg_database_size(current_database()) / 1024 / 1024, NULL
UNION ALL
SELECT 'active_users_24h', count(*), NULL FROM users WHERE last_login_at > now() - interval '24 hours'
UNION ALL
SELECT 'events_this_month', count(*), NULL FROM events WHERE created_at >= date_trunc('month', now())
"""

CONNECTIONS_SQL = """
SELECT coalesce(state, 'background') AS state, count(*) AS connections,
       round(avg(extract(epoch FROM now() - query_start))::numeric, 3) AS avg_duration_seconds
  FROM pg_stat_activity WHERE datname = current_database()
 GROUP BY 1 ORDER BY 2 DESC
"""

TABLES_SQL = """
SELECT c.relname AS table, s.n_live_tup AS rows_estimate,
       pg_total_relation_size(c.oid) AS total_bytes, pg_size_pretty(pg_total_relation_size(c.oid)) AS total_size,
       s.seq_scan, s.idx_scan, s.n_dead_tup AS dead_rows, s.last_autovacuum, s.last_vacuum, s.last_analyze
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
 ORDER BY pg_total_relation_size(c.oid) DESC, c.relname
"""

INDEXES_SQL = """
SELECT s.relname AS table, s.indexrelname AS index, s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
       pg_relation_size(s.indexrelid) AS bytes, pg_size_pretty(pg_relation_size(s.indexrelid)) AS size,
       i.indisunique AS is_unique, i.indisprimary AS is_primary
  FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
 WHERE s.schemaname = 'public'
 ORDER BY s.idx_scan DESC, s.relname, s.indexrelname
"""


def _rows(sql: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def health_report() -> dict:
    """The report as plain data (also what `--json` prints)."""
    summary = {row["metric"]: {"value": row["value"], "max": row["max_value"]} for row in _rows(SUMMARY_SQL)}
    indexes = _rows(INDEXES_SQL)
    return {
        "database": connection.settings_dict["NAME"],
        "summary": summary,
        "connections_by_state": _rows(CONNECTIONS_SQL),
        "tables": _rows(TABLES_SQL),
        "index_usage": indexes,
        # Indexes never scanned since statistics were reset; those enforcing a constraint
        # (primary keys, unique) are kept out: they earn their keep without being scanned.
        "unused_indexes": [
            index for index in indexes if index["idx_scan"] == 0 and not index["is_unique"] and not index["is_primary"]
        ],
    }


class Command(BaseCommand):
    help = "Report database health: connections, size, activity, table sizes, index usage, unused indexes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the report as one JSON document.")

    def handle(self, *args, json: bool = False, **options) -> None:
        try:
            report = health_report()
        except DatabaseError as error:
            raise CommandError(f"database unreachable: {error.__class__.__name__}: {error}".strip()) from error
        if json:
            self.stdout.write(_json_dumps(report))
            return
        self._print(report)

    def _print(self, report: dict) -> None:
        write = self.stdout.write
        summary = report["summary"]
        connections = summary["connections"]
        write(f"Database {report['database']}")
        write(f"  active connections   {connections['value']} of max {connections['max']}")
        write(f"  size                 {summary['database_size_mb']['value']} MB")
        write(f"  users active in 24 h {summary['active_users_24h']['value']}")
        write(f"  events this month    {summary['events_this_month']['value']}")
        write("\nConnections by state")
        for row in report["connections_by_state"]:
            write(f"  {row['state']:<30} {row['connections']:>5}  avg {row['avg_duration_seconds']} s")
        write("\nTables (largest first)")
        for row in report["tables"]:
            write(
                f"  {row['table']:<32} {row['total_size']:>10}  ~{row['rows_estimate'] or 0} rows  "
                f"seq {row['seq_scan'] or 0} idx {row['idx_scan'] or 0}  dead {row['dead_rows'] or 0}"
            )
        write("\nIndex usage (most scanned first)")
        for row in report["index_usage"]:
            write(f"  {row['table']:<24} {row['index']:<48} scans {row['idx_scan']:>8}  {row['size']:>10}")
        write("\nUnused indexes (never scanned, not enforcing a constraint)")
        if not report["unused_indexes"]:
            write("  none")
        for row in report["unused_indexes"]:
            write(f"  {row['table']:<24} {row['index']:<48} {row['size']:>10}")


def _json_dumps(data: dict) -> str:
    return json.dumps(data, default=str, indent=2)
