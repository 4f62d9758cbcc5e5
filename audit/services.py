"""Writes to the history tables: only retention (history rows are written by triggers)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from pghistory.models import Context

from audit.models import TRACKED


@transaction.atomic
def history_prune(*, cutoff: datetime) -> dict[str, int]:
    """Delete history rows recorded before `cutoff`, and the contexts created before it that no
    remaining row refers to. Returns the rows deleted per table, `pghistory_context` included."""
    counts = {}
    contexts = Context.objects.filter(created_at__lt=cutoff)
    for model in TRACKED:
        deleted, _ = model.objects.filter(pgh_created_at__lt=cutoff).delete()
        counts[model._meta.db_table] = deleted
        contexts = contexts.exclude(Exists(model.objects.filter(pgh_context_id=OuterRef("pk"))))
    counts["pghistory_context"], _ = contexts.delete()
    return counts
