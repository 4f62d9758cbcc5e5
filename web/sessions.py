"""The session engine (`SESSION_ENGINE = "web.sessions"`): Django's database engine whose rows
name their user (`web.models.WebSession`), so a member's sessions can be listed and ended.

A session is read with its user in one query (`select_related`); `web.middleware.
AuthenticationMiddleware` then takes the signed-in user from there instead of asking for it again
(every page of a signed-in member reads both)."""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

USER_AGENT_KEY = "_web_user_agent"


class SessionStore(DBStore):
    # The user named by the session row read last (None: no row, or a row without a user).
    row_user = None

    @classmethod
    def get_model_class(cls):
        from web.models import WebSession

        return WebSession

    def _get_session_from_db(self):
        """Django's read of the unexpired row (same errors, same logging), with its user."""
        self.row_user = None
        try:
            row = self.model.objects.select_related("user").get(
                session_key=self.session_key, expire_date__gt=timezone.now()
            )
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            self._session_key = None
            return None
        self.row_user = row.user
        return row

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        try:
            row.user_id = uuid.UUID(str(data.get(SESSION_KEY)))
        except ValueError:
            row.user_id = None
        row.user_agent = str(data.get(USER_AGENT_KEY, ""))[:256]
        return row
