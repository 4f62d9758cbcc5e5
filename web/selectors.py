"""Reads of the web app's own data: a member's web sessions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from web.models import WebSession


def web_sessions_of(*, user) -> QuerySet[WebSession]:
    """The user's unexpired web sessions, most recently used first."""
    return WebSession.objects.filter(user=user, expire_date__gt=timezone.now()).order_by("-updated_at")
