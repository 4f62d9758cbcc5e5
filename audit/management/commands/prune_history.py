"""`manage.py prune_history [--older-than DAYS] [--dry-run]`: delete old audit history.

Deletes the history rows (audit/models.py) recorded more than DAYS days ago (default:
HISTORY_RETENTION_DAYS, 365), and the change contexts older than that which no row refers to any more. Run nightly by
`manage.py maintenance`; safe to run at any time (each table is one DELETE on an indexed column).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from audit.models import TRACKED
from audit.services import history_prune


class Command(BaseCommand):
    help = "Delete audit history older than --older-than DAYS (default HISTORY_RETENTION_DAYS, 365)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            metavar="DAYS",
            help=f"Keep the last DAYS days (default HISTORY_RETENTION_DAYS, now {settings.HISTORY_RETENTION_DAYS}).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, older_than: int | None, dry_run: bool, **options) -> None:
        days = settings.HISTORY_RETENTION_DAYS if older_than is None else older_than
        if days < 0:
            raise CommandError("--older-than must be 0 or more")
        cutoff = timezone.now() - timedelta(days=days)
        if dry_run:
            for model in TRACKED:
                count = model.objects.filter(pgh_created_at__lt=cutoff).count()
                self.stdout.write(f"would delete {count} rows from {model._meta.db_table}")
            return
        counts = history_prune(cutoff=cutoff)
        contexts = counts.pop("pghistory_context")
        self.stdout.write(
            f"prune_history: deleted {sum(counts.values())} history rows and {contexts} contexts older than {days} days"
        )
