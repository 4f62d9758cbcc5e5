"""`manage.py maintenance [--skip-vacuum] [--dry-run]`: routine database upkeep, safe from cron.

The seed's `perform_maintenance`: ANALYZE the database, delete refresh tokens that no longer
matter (`cleanup_tokens`), audit history past its retention (`prune_history`) and expired web
sessions (Django's `clearsessions`, on the session engine's table `web_sessions`), then VACUUM
(ANALYZE) Bookwork's main tables. Prints each step and its duration. Exit status 0 on success, 1
if a step failed (later steps are not run).

VACUUM cannot run inside a transaction: the command runs in Django's autocommit mode (refusing to
run inside `atomic()`) with the statement timeout lifted for its own session only.
"""

from __future__ import annotations

import time

from django.apps import apps
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

MAIN_APPS = ("accounts", "clubs", "events", "availability", "event_items", "audit")
EXTRA_TABLES = ("web_sessions", "django_session", "django_cache")


def main_tables() -> list[str]:
    """Bookwork's own tables plus the session and cache tables, those that exist."""
    tables = [model._meta.db_table for label in MAIN_APPS for model in apps.get_app_config(label).get_models()]
    existing = set(connection.introspection.table_names())
    return [table for table in dict.fromkeys([*tables, *EXTRA_TABLES]) if table in existing]


class Command(BaseCommand):
    help = (
        "ANALYZE, delete dead refresh tokens, old history and expired web sessions, and VACUUM ANALYZE the main tables."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--skip-vacuum", action="store_true", help="Only ANALYZE and clean up tokens.")
        parser.add_argument("--dry-run", action="store_true", help="Print the steps without running them.")

    def handle(self, *args, skip_vacuum: bool, dry_run: bool, **options) -> None:
        if connection.in_atomic_block and not dry_run:
            raise CommandError("maintenance must run outside a transaction (VACUUM cannot run inside one)")
        steps = [("ANALYZE", lambda: self._sql("ANALYZE"))]
        steps.append(("cleanup_tokens", self._cleanup_tokens))
        steps.append(("prune_history", lambda: call_command("prune_history", stdout=self.stdout, stderr=self.stderr)))
        steps.append(("clearsessions", lambda: call_command("clearsessions")))
        if not skip_vacuum:
            for table in main_tables():
                statement = f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}"
                steps.append((statement, lambda statement=statement: self._sql(statement)))
        try:
            if not dry_run:
                self._sql("SET statement_timeout = 0")
            for name, run in steps:
                if dry_run:
                    self.stdout.write(f"would run: {name}")
                    continue
                started = time.monotonic()
                run()
                self.stdout.write(f"done: {name} ({time.monotonic() - started:.2f} s)")
        except DatabaseError as error:
            raise CommandError(f"maintenance failed at a step: {error.__class__.__name__}: {error}".strip()) from error
        finally:
            if not dry_run:
                # The session goes back to the configured timeout if this connection is reused.
                connection.close()
        self.stdout.write(self.style.SUCCESS(f"maintenance {'planned' if dry_run else 'complete'}: {len(steps)} steps"))

    @staticmethod
    def _sql(statement: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement)

    def _cleanup_tokens(self) -> None:
        if "cleanup_tokens" not in get_commands():
            self.stdout.write("cleanup_tokens: not available, skipped")
            return
        call_command("cleanup_tokens", stdout=self.stdout, stderr=self.stderr)
