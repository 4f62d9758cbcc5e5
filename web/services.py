"""Writes of the web app's own data: ending web sessions. Everything else the pages do goes
through the apps' services (accounts, clubs, events), exactly as the API does."""

from __future__ import annotations

from django.db import transaction

from accounts.services import user_logout_all, user_password_change, user_password_reset
from web.models import WebSession


def _web_sessions_delete(*, user, keep_session_key: str | None = None) -> int:
    others = WebSession.objects.filter(user=user)
    if keep_session_key:
        others = others.exclude(session_key=keep_session_key)
    ended, _ = others.delete()
    return ended


@transaction.atomic
def sessions_end_others(*, user, keep_session_key: str | None) -> int:
    """End every web session of `user` except `keep_session_key`, and every API session (refresh
    tokens revoked, access tokens dead). Returns how many web sessions ended."""
    ended = _web_sessions_delete(user=user, keep_session_key=keep_session_key)
    user_logout_all(user=user)
    return ended


@transaction.atomic
def web_password_change(*, user, current_password: str, new_password: str, keep_session_key: str | None) -> None:
    """`accounts.services.user_password_change` (which ends every API session), and the end of
    every other web session (their auth hash no longer matches anyway; this removes their rows)."""
    user_password_change(user=user, current_password=current_password, new_password=new_password)
    _web_sessions_delete(user=user, keep_session_key=keep_session_key)


@transaction.atomic
def web_password_reset(*, user, new_password: str) -> None:
    """`accounts.services.user_password_reset` (emailed link) and the end of every web session."""
    user_password_reset(user=user, new_password=new_password)
    _web_sessions_delete(user=user)
