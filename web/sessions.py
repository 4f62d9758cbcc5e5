"""The session engine (`SESSION_ENGINE = "web.sessions"`): Django's database engine whose rows
name their user (`web.models.WebSession`), so a member's sessions can be listed and ended."""

from __future__ import annotations

import uuid

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore

USER_AGENT_KEY = "_web_user_agent"


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from web.models import WebSession

        return WebSession

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        try:
            row.user_id = uuid.UUID(str(data.get(SESSION_KEY)))
        except ValueError:
            row.user_id = None
        row.user_agent = str(data.get(USER_AGENT_KEY, ""))[:256]
        return row
