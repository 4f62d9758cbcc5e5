"""The session engine (`SESSION_ENGINE = "web.sessions"`): Django's database engine whose rows
name their user (`web.models.WebSession`), so a member's sessions can be listed and ended.

A session is read with its user in one query (`web.sql.session_with_user`); `web.middleware.
AuthenticationMiddleware` then takes the signed-in user from there instead of asking for it again
(every page of a signed-in member reads both)."""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.utils import timezone

from core.sql import hydrate

USER_AGENT_KEY = "_web_user_agent"


class SessionStore(DBStore):
    # The user named by the session row read last (None: no row, or a row without a user).
    row_user = None

    @classmethod
    def get_model_class(cls):
        from web.models import WebSession

        return WebSession

    def _get_session_from_db(self):
        """Django's read of the unexpired row (same result, same errors and logging), with its
        user, in one hand-written query."""
        from web import sql

        self.row_user = None
        try:
            key = self.session_key  # a malformed key is a SuspiciousOperation, as in Django
            with connection.cursor() as cursor:
                cursor.execute(sql.session_with_user(), {"key": key, "now": timezone.now()})
                values = cursor.fetchone()
            if values is None:
                raise self.model.DoesNotExist
        except (self.model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            self._session_key = None
            return None
        row, at = hydrate(self.model, values)
        if row.user_id is not None:
            self.row_user, _ = hydrate(sql.USER, values, at)
        return row

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        try:
            row.user_id = uuid.UUID(str(data.get(SESSION_KEY)))
        except ValueError:
            row.user_id = None
        row.user_agent = str(data.get(USER_AGENT_KEY, ""))[:256]
        return row
