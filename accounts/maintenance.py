"""Maintenance of the accounts tables: deleting refresh-token rows that no longer serve any purpose
(`manage.py cleanup_tokens`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from accounts.models import RefreshToken


def refresh_tokens_cleanup_queryset(*, now: datetime, retention: timedelta):
    """Rows that no longer serve any purpose: revoked more than `retention` ago, or expired more than
    `retention` ago. Spent (used) rows are kept until their family's cap has passed by `retention`
    too, so presenting them is still recognised as reuse."""
    cutoff = now - retention
    return RefreshToken.objects.filter(
        Q(is_revoked=True, revoked_at__lt=cutoff)
        | Q(used_at__isnull=True, expires_at__lt=cutoff)
        | Q(used_at__isnull=False, expires_at__lt=cutoff, family_expires_at__lt=cutoff)
    )


def refresh_tokens_cleanup(
    *, now: datetime, retention: timedelta, batch_size: int = 1000, dry_run: bool = False
) -> int:
    """Delete `refresh_tokens_cleanup_queryset` rows in batches of `batch_size` (one short
    transaction each); returns how many were (or, with `dry_run`, would be) deleted."""
    candidates = refresh_tokens_cleanup_queryset(now=now, retention=retention)
    if dry_run:
        return candidates.count()
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(candidates.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            _, per_model = RefreshToken.objects.filter(pk__in=ids).delete()
            deleted += per_model.get(RefreshToken._meta.label, 0)
