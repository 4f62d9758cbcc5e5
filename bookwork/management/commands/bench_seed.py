"""`manage.py bench_seed`: fill the database with a large, realistic data set for benchmarks.

    manage.py bench_seed --users 10000 --clubs 1000 --events 100000 --rsvps 1000000 [--reset]

Rows are written with PostgreSQL COPY in one transaction (see `bench.dataset` for the shape and
the invariants it keeps). Without `--reset` the command refuses to run on a database that already
holds users, clubs or events; `--reset` truncates the Bookwork tables first and is only allowed
on a database whose name contains "bench" or "test", so it cannot wipe a development database by
accident. Every user signs in with `--password` (default `bench-password-2026`) as
`reader000000@bench.example`, `reader000001@bench.example`, ...
"""

from __future__ import annotations

import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from bench.dataset import DEFAULT_PASSWORD, TABLES, Plan, secondary_indexes_dropped, seed_dataset
from bench.reading import seed_reading
from clubs import sql as clubs_sql
from core.sql import SQL, Identifier, text

# Tables emptied by --reset besides the generated ones: they reference users.
EXTRA_RESET_TABLES = ("refresh_tokens",)


def _names(tables) -> SQL:
    """Table names as a comma-separated list of quoted identifiers."""
    return SQL(", ").join(Identifier(table) for table in tables)


def _positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Fill the database with a synthetic data set (users, clubs, members, events, RSVPs, items) using COPY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=_positive, default=10_000)
        parser.add_argument("--clubs", type=_positive, default=1_000)
        parser.add_argument("--events", type=_positive, default=100_000)
        parser.add_argument("--rsvps", type=_positive, default=1_000_000, help="target number of RSVPs")
        parser.add_argument("--items-per-event", type=float, default=1.5)
        parser.add_argument(
            "--notifications-per-member", type=float, default=3.0, help="average notifications per active membership"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same rows)")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of every generated user")
        parser.add_argument(
            "--reset", action="store_true", help="truncate the Bookwork tables first (bench/test databases only)"
        )

    def handle(self, *args, **options) -> None:
        plan = Plan(
            users=options["users"],
            clubs=options["clubs"],
            events=options["events"],
            rsvps=options["rsvps"],
            items_per_event=options["items_per_event"],
            notifications_per_member=options["notifications_per_member"],
            seed=options["seed"],
            password=options["password"],
        )
        if plan.clubs and not plan.users:
            raise CommandError("clubs need users: pass --users > 0")
        db_name = connection.settings_dict["NAME"]
        started = time.perf_counter()

        # Hashing is deliberately slow (Argon2): once for everybody.
        password_hash = make_password(plan.password)
        with connection.cursor() as cursor:
            superuser = self._prepare_session(cursor)
            try:
                with transaction.atomic():
                    if options["reset"]:
                        if "bench" not in db_name and "test" not in db_name:
                            raise CommandError(
                                f"--reset truncates every Bookwork table; refusing on database {db_name!r} "
                                "(its name must contain 'bench' or 'test')"
                            )
                        cursor.execute(text(SQL("TRUNCATE {} CASCADE").format(_names((*TABLES, *EXTRA_RESET_TABLES)))))
                    else:
                        cursor.execute(
                            "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM clubs) "
                            "OR EXISTS (SELECT 1 FROM events)"
                        )
                        if cursor.fetchone()[0]:
                            raise CommandError(f"database {db_name!r} already holds data; pass --reset to replace it")
                    self.stdout.write(
                        f"bench_seed into {db_name!r}: {plan.users:,} users, {plan.clubs:,} clubs, "
                        f"{plan.events:,} events, ~{plan.rsvps:,} RSVPs"
                        + ("" if superuser else " (not superuser: foreign keys are checked row by row)")
                    )
                    with secondary_indexes_dropped(cursor, TABLES, self.stdout.write):
                        report = seed_dataset(
                            plan=plan, cursor=cursor, log=self.stdout.write, password_hash=password_hash
                        )
                    report.rows.update(seed_reading(cursor))  # reading lists and polls, from the clubs
                    # Loaded with triggers off, and the generator's ids come back on every run: a new
                    # epoch, so no cached representation of an earlier load is ever served (clubs.sql).
                    if options["reset"]:
                        cursor.execute(clubs_sql.stamps_forget())
                    cursor.execute(clubs_sql.epoch_renew())
                    commit_started = time.perf_counter()
                commit_seconds = time.perf_counter() - commit_started
                analyze_started = time.perf_counter()
                cursor.execute(text(SQL("ANALYZE {}").format(_names(TABLES))))
                analyze_seconds = time.perf_counter() - analyze_started
            finally:
                cursor.execute("RESET ALL")

        total = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"seeded {report.total_rows:,} rows in {total:.1f}s "
                f"({report.total_rows / max(total, 1e-9):,.0f} rows/s; load {report.total_seconds:.1f}s, "
                f"commit {commit_seconds:.1f}s, analyze {analyze_seconds:.1f}s): "
                + ", ".join(f"{table} {count:,}" for table, count in report.rows.items())
            )
        )

    @staticmethod
    def _prepare_session(cursor) -> bool:
        """Session settings for a bulk load; returns whether foreign-key triggers are skipped.

        The generator only writes ids it created itself, so as a superuser we skip the per-row
        foreign-key triggers (`session_replication_role = replica`, as pg_restore does); the
        bench_seed test checks referential integrity afterwards.
        """
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = bool(cursor.fetchone()[0])
        if superuser:
            cursor.execute("SET session_replication_role = replica")
        return superuser
