"""The signed-in user comes with the session row (web/sessions.py) exactly when Django's own
`auth.get_user` would give that user; otherwise Django's path decides, with its consequences."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_signed_in_page_reads_the_user_with_the_session(user):
    client = signed_in(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notifications/")
    assert response.status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    assert '"web_sessions"' in statements[0] and 'JOIN "users"' in statements[0]
    assert not any(sql.startswith('SELECT "users".') for sql in statements)


def test_a_changed_password_signs_the_session_out(user):
    client = signed_in(user)
    user.set_password("another-password-4711")
    user.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/signin/")
    # Django's path flushed the session: signing in again is needed even with the old hash back.
    assert client.get("/").status_code == 302


def test_a_deactivated_user_is_signed_out(user):
    client = signed_in(user)
    user.is_active = False
    user.save()
    assert client.get("/").status_code == 302


def test_a_session_of_an_unknown_backend_is_anonymous(user):
    client = signed_in(user)
    session = client.session
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.RemoteUserBackend"
    session.save()
    assert client.get("/").status_code == 302


def test_a_session_without_its_hash_is_anonymous(user):
    client = signed_in(user)
    session = client.session
    del session[HASH_SESSION_KEY]
    session.save()
    assert client.get("/").status_code == 302


def test_the_user_of_the_session_is_the_one_it_names():
    first, second = UserFactory(), UserFactory()
    client = signed_in(first)
    assert first.name in client.get("/").text
    client.force_login(second)
    text = client.get("/").text
    assert second.name in text and first.name not in text
