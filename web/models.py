"""Web app sessions (table `web_sessions`): Django's database sessions plus the user they belong to.

Django's own session table cannot be searched by user, so "sign out my other sessions" would be
impossible; this is the extension Django documents for that ("Extending database-backed session
engines"). `web.sessions.SessionStore` fills `user` when a session is saved.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class WebSession(AbstractBaseSession):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user_agent = models.CharField(max_length=256, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "web_sessions"
        verbose_name = "web session"

    @classmethod
    def get_session_store_class(cls):
        from web.sessions import SessionStore

        return SessionStore
