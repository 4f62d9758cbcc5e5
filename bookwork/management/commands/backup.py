"""`manage.py backup [--output-dir DIR] [--keep-days N] [--dbname NAME]`: dump the database.

Runs `pg_dump --format=custom` into `bookwork-<db>-<UTC timestamp>.dump` (written under a
temporary name and renamed when complete, so a half-written file never looks like a backup),
then deletes this database's backups older than `--keep-days` (default BACKUP_KEEP_DAYS, 7; 0
keeps everything). The pg_dump used is one whose major version is at least the server's
(PG_BIN_DIR, then PATH, then the embedded server's binaries). Prints the file and its size.
Exit status 0 on success, 1 on failure. Restore with `manage.py restore FILE --yes`.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from bookwork.management.commands._pg import find_binary, libpq_env

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"


def backup_name(dbname: str, when: datetime) -> str:
    return f"bookwork-{dbname}-{when.strftime(STAMP_FORMAT)}.dump"


def backups_to_prune(directory: Path, dbname: str, *, now: datetime, keep_days: int) -> list[Path]:
    """This database's backups (by the timestamp in their name) older than `keep_days`."""
    if keep_days <= 0:
        return []
    pattern = re.compile(rf"^bookwork-{re.escape(dbname)}-(\d{{8}}T\d{{6}}Z)\.dump$")
    cutoff = now - timedelta(days=keep_days)
    old = []
    for path in directory.iterdir():
        match = pattern.match(path.name)
        if match and datetime.strptime(match.group(1), STAMP_FORMAT).replace(tzinfo=UTC) < cutoff:
            old.append(path)
    return sorted(old)


class Command(BaseCommand):
    help = "Back up the database with pg_dump (custom format) to a timestamped file; prune old backups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output-dir", type=Path, default=None, help="Directory (default BACKUP_DIR).")
        parser.add_argument(
            "--keep-days",
            type=int,
            default=None,
            help="Delete backups older than this (default BACKUP_KEEP_DAYS; 0 keeps all).",
        )
        parser.add_argument(
            "--dbname", default=None, help="Another database on the same server (default: the configured one)."
        )

    def handle(self, *args, output_dir: Path | None, keep_days: int | None, dbname: str | None, **options) -> None:
        directory = Path(output_dir or settings.BACKUP_DIR)
        keep_days = settings.BACKUP_KEEP_DAYS if keep_days is None else keep_days
        if keep_days < 0:
            raise CommandError("--keep-days must be 0 or more")
        dbname = dbname or connection.settings_dict["NAME"]
        directory.mkdir(parents=True, exist_ok=True)
        pg_dump = find_binary("pg_dump")
        now = datetime.now(UTC)
        target = directory / backup_name(dbname, now)
        partial = target.with_suffix(".dump.partial")
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", "--file", str(partial), "--dbname", dbname],
            env=libpq_env(dbname),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise CommandError(f"pg_dump failed ({result.returncode}): {result.stderr.strip()}")
        partial.rename(target)
        self.stdout.write(f"backup written: {target} ({target.stat().st_size} bytes, {Path(pg_dump).parent})")
        for old in backups_to_prune(directory, dbname, now=now, keep_days=keep_days):
            old.unlink()
            self.stdout.write(f"pruned: {old}")
