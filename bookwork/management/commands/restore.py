"""`manage.py restore FILE --yes [--dbname NAME]`: restore a backup made by `manage.py backup`.

Runs `pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error`: the
objects in the dump are dropped and recreated with the dump's data, all or nothing. This
overwrites data, so it refuses to run without `--yes`. `--dbname` restores into another database
on the same server instead (for instance a scratch one, to inspect a backup); it is created
first if it does not exist (the configured role needs CREATEDB for that). Stop the app (or
expect its requests to wait on locks) while restoring. Restoring into the configured database
renews the epoch of the cached representations (`clubs.sql.epoch_renew`): nothing cached before
the restore is served after it. Exit status 0 on success, 1 on failure.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from accounts.usercache import user_cache_forget_all
from bookwork.management.commands._pg import database_drop, database_ensure, find_binary, libpq_env
from clubs import sql as clubs_sql


class Command(BaseCommand):
    help = "Restore a pg_dump custom-format backup into the database (drops and recreates its objects)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A .dump file written by `manage.py backup`.")
        parser.add_argument("--yes", action="store_true", help="Confirm: the database's current data is replaced.")
        parser.add_argument(
            "--dbname",
            default=None,
            help="Another database on the same server, created if missing (default: the configured one).",
        )

    def handle(self, *args, file: Path, yes: bool, dbname: str | None, **options) -> None:
        dbname = dbname or connection.settings_dict["NAME"]
        if not file.is_file():
            raise CommandError(f"no such backup file: {file}")
        if not yes:
            raise CommandError(f"restoring {file} replaces the data of database {dbname!r}; run again with --yes")
        pg_restore = find_binary("pg_restore")
        created = database_ensure(dbname)
        # Our own idle connection must not hold locks on the tables being dropped.
        connection.close()
        result = subprocess.run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                dbname,
                str(file),
            ],
            env=libpq_env(dbname),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            if created:
                database_drop(dbname)
            raise CommandError(f"pg_restore failed ({result.returncode}), nothing changed: {result.stderr.strip()}")
        if dbname == connection.settings_dict["NAME"]:
            # The backup's stamps come back and the sequence with them: a stamp drawn after the
            # backup may be drawn again for other content. A new epoch makes every cache key
            # (Redis and every worker's memory) new, so nothing cached before is served after.
            with connection.cursor() as cursor:
                cursor.execute(clubs_sql.epoch_renew())
            # The cached user rows are the live database's, not the backup's (token versions,
            # deactivations, users the backup does not have): authentication reads them again.
            user_cache_forget_all()
        self.stdout.write(f"restored {file} into {dbname}" + (" (created)" if created else ""))
