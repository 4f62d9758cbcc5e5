"""Writes to the history tables: only retention (history rows are written by triggers)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from pghistory.models import Context

from audit.models import TRACKED


@transaction.atomic
def history_prune(*, cutoff: datetime) -> dict[str, int]:
    """Delete history rows recorded before `cutoff`, and the contexts last touched before it (a
    context's `updated_at` is the time of the last change made in it, so such a context belongs
    to deleted rows only). Returns the rows deleted per table, `pghistory_context` included."""
    counts = {}
    for model in TRACKED:
        deleted, _ = model.objects.filter(pgh_created_at__lt=cutoff).delete()
        counts[model._meta.db_table] = deleted
    counts["pghistory_context"], _ = Context.objects.filter(updated_at__lt=cutoff).delete()
    return counts
