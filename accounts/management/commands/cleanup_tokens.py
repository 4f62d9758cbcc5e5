"""`manage.py cleanup_tokens [--dry-run] [--batch-size N]`: delete refresh-token rows that no
longer serve any purpose (see `accounts.maintenance.refresh_tokens_cleanup_queryset`), in batches,
and Idempotency-Key records older than IDEMPOTENCY_RETENTION, and print how many. Safe to run from
cron at any time (the worker deletes the old idempotency records hourly too)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.idempotency import idempotency_cleanup
from accounts.maintenance import refresh_tokens_cleanup


class Command(BaseCommand):
    help = (
        "Delete refresh tokens expired or revoked more than TOKEN_CLEANUP_RETENTION_DAYS ago "
        "(spent tokens are kept until their session's cap, so their reuse is still detected), and "
        "Idempotency-Key records older than IDEMPOTENCY_RETENTION_HOURS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows deleted per transaction.")

    def handle(self, *args, dry_run: bool, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        retention = settings.TOKEN_CLEANUP_RETENTION
        count = refresh_tokens_cleanup(now=timezone.now(), retention=retention, batch_size=batch_size, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"cleanup_tokens: {verb} {count} refresh token(s) (retention {retention.days} days)")
        if dry_run:
            return
        keys = idempotency_cleanup()
        self.stdout.write(f"cleanup_tokens: deleted {keys} idempotency key(s)")
