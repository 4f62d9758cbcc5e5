"""Writes to the history tables (only retention: history rows are written by triggers), and who may
read a club's activity."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from pghistory.models import Context
from rest_framework.exceptions import PermissionDenied

from audit.models import TRACKED
from clubs.permissions import ClubAccess


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


def activity_view_check(*, access: ClubAccess) -> None:
    """403 unless the caller may read the club's activity: its admins, and site admins (the view
    resolved the club with its visibility first: a hidden club is a 404)."""
    if not access.can_view_activity():
        raise PermissionDenied("Only club admins may read the club's activity.")
