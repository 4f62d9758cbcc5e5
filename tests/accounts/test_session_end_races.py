"""Ending a session is final even while a client refreshes it in a tight loop (issue 11).

For each of the five session-ending paths, a thread refreshes the session as fast as it can while
the main thread ends it through the API; once the path has answered, no refresh token of the
user may be live. Real threads, each with its own PostgreSQL connection. Before the user-row lock
(core/locks.py) a successor inserted by a concurrent rotation survived in 1 of 8 to 8 of 10 tries.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts import services
from accounts.models import RefreshToken
from core.throttling import UserRateThrottle
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TRIES = 50
REFRESH = "/api/v1/auth/refresh/"


@pytest.fixture(autouse=True)
def _no_generic_throttle(monkeypatch):
    """The loop makes hundreds of anonymous refreshes; the per-IP `anon` limit is not under test."""
    monkeypatch.setattr(UserRateThrottle, "allow_request", lambda self, request, view: True)


class Refresher(threading.Thread):
    """Refreshes `token` in a loop until told to stop or refused; `started` is set after the first
    successful rotation, so the path under test runs while rotations are under way."""

    def __init__(self, token: str):
        super().__init__(daemon=True)
        self.token, self.stop, self.started = token, threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def run(self):
        client = APIClient()
        try:
            while not self.stop.is_set():
                response = client.post(REFRESH, {"refresh": self.token}, format="json")
                if response.status_code != 200:
                    break
                self.token = response.json()["refresh"]
                self.started.set()
        except BaseException as error:  # reported by the test instead of hanging it
            self.error = error
        finally:
            self.started.set()
            connection.close()


def _end(path: str, user, first_token: str):
    client = client_for(user)
    if path == "logout":
        return client.post("/api/v1/auth/logout/", {"refresh": first_token}, format="json"), 204
    if path == "logout_all":
        return client.post("/api/v1/auth/logout-all/"), 204
    if path == "password_change":
        body = {"current_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-passphrase-42"}
        return client.post("/api/v1/auth/password/", body, format="json"), 204
    if path == "session_delete":
        family_id = RefreshToken.objects.filter(user=user).values_list("family_id", flat=True).first()
        return client.delete(f"/api/v1/auth/sessions/{family_id}/"), 204
    # Theft detection: the first token, spent by the refresher, replayed.
    return APIClient().post(REFRESH, {"refresh": first_token}, format="json"), 401


@pytest.mark.parametrize("path", ["logout", "logout_all", "password_change", "session_delete", "reuse_detected"])
def test_no_refresh_token_survives_the_end_of_a_refreshing_session(path):
    survived = []
    for attempt in range(TRIES):
        user = UserFactory()
        first = services.user_login(email=user.email, password=DEFAULT_PASSWORD, client=services.ClientInfo()).refresh
        refresher = Refresher(first)
        refresher.start()
        assert refresher.started.wait(timeout=30)
        response, expected = _end(path, user, first)
        assert response.status_code == expected, response.content
        refresher.stop.set()
        refresher.join(timeout=30)
        assert refresher.error is None, refresher.error
        live = RefreshToken.objects.filter(user=user, is_revoked=False, used_at__isnull=True).count()
        # The refresher's latest token, presented after the path answered, must not work either.
        late = APIClient().post(REFRESH, {"refresh": refresher.token}, format="json").status_code
        if live or late == 200:
            survived.append((attempt, live, late))
    assert not survived, f"{len(survived)} of {TRIES} tries left a live refresh token: {survived}"
