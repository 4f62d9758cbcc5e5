"""Writes of the web app's own data: ending web sessions. Everything else the pages do goes
through the apps' services (accounts, clubs, events), exactly as the API does."""

from __future__ import annotations

from django.db import transaction

from accounts.services import user_logout_all
from web.models import WebSession


@transaction.atomic
def sessions_end_others(*, user, keep_session_key: str | None) -> int:
    """End every web session of `user` except `keep_session_key`, and every API session (refresh
    tokens revoked, access tokens dead). Returns how many web sessions ended."""
    others = WebSession.objects.filter(user=user)
    if keep_session_key:
        others = others.exclude(session_key=keep_session_key)
    ended, _ = others.delete()
    user_logout_all(user=user)
    return ended
