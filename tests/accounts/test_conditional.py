"""Conditional GETs of the caller's own account: auth/me, sessions, the calendar feed address and
the API index (docs/architecture.md, "Versions, ETags and cached representations")."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.http import parse_http_date

from accounts.models import User
from tests.accounts.helpers import bearer, login
from tests.conditional_helpers import changed, tag_of, unchanged
from tests.conftest import client_for
from tests.factories import RefreshTokenFactory, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"
SESSIONS = "/api/v1/auth/sessions/"
FEED = "/api/v1/auth/me/calendar-feed/"


def test_me_changes_with_a_profile_edit_and_not_with_another_users(user):
    client = client_for(user)
    response = client.get(ME)
    tag = response["ETag"]
    assert parse_http_date(response["Last-Modified"]) == int(user.updated_at.timestamp())
    unchanged(client, ME, tag)
    other = UserFactory()
    assert client_for(other).patch(ME, {"name": "Someone Else"}, format="json").status_code == 200
    unchanged(client, ME, tag)
    assert client.patch(ME, {"name": "New Name"}, format="json").status_code == 200
    assert changed(client, ME, tag).json()["name"] == "New Name"


def test_me_changes_with_an_orm_save_outside_the_api(user):
    # The admin and commands save through the ORM: `updated_at` (a trigger) and the user cache's
    # forgetting (accounts.usercache) make the next read see it.
    client = client_for(user)
    tag = tag_of(client, ME)
    fresh = User.objects.get(pk=user.pk)
    fresh.phone = "+15551234567"
    fresh.save()
    assert changed(client, ME, tag).json()["phone"] == "+15551234567"


def test_sessions_change_with_a_login_and_a_logout_and_not_with_another_users(user, api_client):
    first = login(api_client, user.email).json()
    client = bearer(first["access"])
    tag = tag_of(client, SESSIONS)
    unchanged(client, SESSIONS, tag)
    other = UserFactory()
    assert login(api_client, other.email).status_code == 200
    unchanged(client, SESSIONS, tag)
    mine = {row["id"] for row in client.get(SESSIONS).json()["results"]}
    login(api_client, user.email)
    response = changed(client, SESSIONS, tag)
    assert response.json()["count"] == 2
    (newest,) = {row["id"] for row in response.json()["results"]} - mine
    assert client.delete(f"{SESSIONS}{newest}/").status_code == 204
    # The revocation ends every access token (accounts.services); the first session refreshes.
    renewed = api_client.post("/api/v1/auth/refresh/", {"refresh": first["refresh"]}, format="json").json()
    assert changed(bearer(renewed["access"]), SESSIONS, response["ETag"]).json()["count"] == 1


def test_sessions_change_with_hand_written_sql(user):
    token = RefreshTokenFactory(user=user)
    client = client_for(user)
    tag = tag_of(client, SESSIONS)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE refresh_tokens SET user_agent = 'curl/8' WHERE id = %s", [token.pk])
    assert changed(client, SESSIONS, tag).json()["results"][0]["user_agent"] == "curl/8"
    tag = tag_of(client, SESSIONS)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM refresh_tokens WHERE id = %s", [token.pk])
    assert changed(client, SESSIONS, tag).json()["count"] == 0


def test_a_session_that_expires_leaves_the_list_and_its_tag_without_a_write(user):
    RefreshTokenFactory(user=user)
    RefreshTokenFactory(user=user, expires_at=timezone.now() + dt.timedelta(seconds=1))
    client = client_for(user)
    response = client.get(SESSIONS)
    assert response.json()["count"] == 2
    time.sleep(1.2)
    assert changed(client, SESSIONS, response["ETag"]).json()["count"] == 1


def test_the_feed_address_changes_with_a_rotation(user):
    client = client_for(user)
    tag = tag_of(client, FEED)
    unchanged(client, FEED, tag)
    rotated = client.post("/api/v1/auth/me/calendar-feed/rotate/")
    assert rotated.status_code == 200
    assert changed(client, FEED, tag).json()["url"] == rotated.json()["url"]


def test_the_api_index_depends_on_the_host_only(api_client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "api.example.org"]
    tag = tag_of(api_client, "/api/v1/")
    unchanged(api_client, "/api/v1/", tag)
    unchanged(client_for(UserFactory()), "/api/v1/", tag)
    elsewhere = api_client.get("/api/v1/", HTTP_IF_NONE_MATCH=tag, HTTP_HOST="api.example.org")
    assert elsewhere.status_code == 200 and elsewhere["ETag"] != tag
