"""The notification endpoints: the caller's list (newest first, filters, `unread_count`), read marks,
email settings and the one-click unsubscribe; nobody reaches anyone else's notifications."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from notifications import kinds
from notifications.emails import unsubscribe_token
from notifications.models import EmailPreference, Notification
from notifications.serializers import NotificationSerializer
from tests.conftest import client_for
from tests.factories import ClubFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def make(user, kind="event_created", *, minutes_ago=0, read=False, **fields):
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    row = Notification.objects.create(
        user=user, kind=kind, title=fields.pop("title", f"{kind} {minutes_ago}"), body="body", **fields
    )
    # `created_at` is stamped on insert (auto_now_add): set the wanted one afterwards.
    Notification.objects.filter(pk=row.pk).update(created_at=at, read_at=at if read else None)
    row.refresh_from_db()
    return row


def test_list_is_the_callers_newest_first_with_unread_count():
    user, other = UserFactory(), UserFactory()
    club = ClubFactory()
    event = EventFactory(club=club)
    old = make(user, minutes_ago=30, read=True)
    new = make(user, "event_changed", minutes_ago=1, club=club, event=event)
    middle = make(user, "event_reminder", minutes_ago=10)
    make(other, minutes_ago=0)
    body = client_for(user).get("/api/v1/notifications/").json()
    assert [row["id"] for row in body["results"]] == [str(new.pk), str(middle.pk), str(old.pk)]
    assert body["count"] == 3
    assert body["unread_count"] == 2
    assert list(body) == ["count", "next", "previous", "unread_count", "results"]
    first = body["results"][0]
    assert first == {
        "id": str(new.pk),
        "kind": "event_changed",
        "title": new.title,
        "body": "body",
        "club": str(club.pk),
        "event": str(event.pk),
        "created_at": first["created_at"],
        "read_at": None,
    }
    assert first["created_at"].endswith("Z")


def test_filters_and_pages():
    user = UserFactory()
    for minutes in range(5):
        make(user, "event_reminder", minutes_ago=minutes, read=minutes % 2 == 0)
    make(user, "waitlist_promoted", minutes_ago=9)
    client = client_for(user)
    unread = client.get("/api/v1/notifications/?unread=true").json()
    assert unread["count"] == 3 and all(row["read_at"] is None for row in unread["results"])
    assert client.get("/api/v1/notifications/?unread=false").json()["count"] == 3
    promoted = client.get("/api/v1/notifications/?kind=waitlist_promoted").json()
    assert [row["kind"] for row in promoted["results"]] == ["waitlist_promoted"]
    assert promoted["unread_count"] == 3  # all the caller's unread, whatever the filter
    page = client.get("/api/v1/notifications/?page_size=2&page=2").json()
    assert page["count"] == 6 and len(page["results"]) == 2 and page["next"] and page["previous"]
    assert client.get("/api/v1/notifications/?kind=nope").status_code == 400
    assert client.get("/api/v1/notifications/?unread=maybe").status_code == 400
    assert client.get("/api/v1/notifications/?page=9").status_code == 404
    assert APIClient().get("/api/v1/notifications/").status_code == 401


def test_hand_written_representation_equals_drf():
    user = UserFactory()
    row = make(user, club=ClubFactory(), read=True)
    generic = serializers.ModelSerializer.to_representation(NotificationSerializer(row), row)
    assert json.loads(JSONRenderer().render(NotificationSerializer(row).data)) == json.loads(
        JSONRenderer().render(generic)
    )


def test_read_and_read_all_touch_only_the_callers_own():
    user, other = UserFactory(), UserFactory()
    mine = make(user)
    theirs = make(other)
    client = client_for(user)
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/api/v1/notifications/{uuid.uuid4()}/read/").status_code == 404
    assert client.post("/api/v1/notifications/not-a-uuid/read/").status_code == 404
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 204
    mine.refresh_from_db()
    first_read = mine.read_at
    assert first_read is not None
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 204
    mine.refresh_from_db()
    assert mine.read_at == first_read
    more = [make(user, minutes_ago=n) for n in range(3)]
    assert client.post("/api/v1/notifications/read-all/").status_code == 204
    assert all(Notification.objects.get(pk=n.pk).read_at for n in more)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client_for(other).get("/api/v1/notifications/").json()["unread_count"] == 1


def test_settings_default_and_patch():
    user = UserFactory()
    client = client_for(user)
    settings_body = client.get("/api/v1/auth/me/notification-settings/").json()
    assert settings_body == {"email": {name: kind.email_default for name, kind in kinds.KINDS.items()}}
    # The contract's defaults: on for reminders, changes, cancellations, promotions, invites, decisions.
    assert {name for name, on in settings_body["email"].items() if on} == {
        "event_changed",
        "event_cancelled",
        "event_reminder",
        "waitlist_promoted",
        "club_invite",
        "join_request_decided",
    }
    response = client.patch(
        "/api/v1/auth/me/notification-settings/", {"email": {"event_created": True, "event_reminder": False}}
    )
    assert response.status_code == 200
    assert response.json()["email"]["event_created"] is True
    assert response.json()["email"]["event_reminder"] is False
    assert client.get("/api/v1/auth/me/notification-settings/").json() == response.json()
    bad = client.patch("/api/v1/auth/me/notification-settings/", {"email": {"nope": True}})
    assert bad.status_code == 400
    assert client.patch("/api/v1/auth/me/notification-settings/", {"email": {"event_created": "x"}}).status_code == 400
    assert APIClient().get("/api/v1/auth/me/notification-settings/").status_code == 401


def test_unsubscribe_turns_that_kind_off_without_sign_in():
    user = UserFactory()
    token = unsubscribe_token(user_id=user.pk, kind="event_reminder")
    anonymous = APIClient()
    response = anonymous.post(
        f"/api/v1/unsubscribe/{token}/", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 204
    assert EmailPreference.objects.get(user=user, kind="event_reminder").email is False
    assert anonymous.post(f"/api/v1/unsubscribe/{token}/").status_code == 204  # again: still off
    assert client_for(user).get("/api/v1/auth/me/notification-settings/").json()["email"]["event_reminder"] is False
    assert anonymous.post(f"/api/v1/unsubscribe/{token[:-2]}xx/").status_code == 404
    assert anonymous.post("/api/v1/unsubscribe/garbage/").status_code == 404
    assert anonymous.get(f"/api/v1/unsubscribe/{token}/").status_code == 405
    # A valid token of a user deleted since: like a bad link, not a 500.
    gone = UserFactory()
    stale = unsubscribe_token(user_id=gone.pk, kind="event_reminder")
    gone.delete()
    assert anonymous.post(f"/api/v1/unsubscribe/{stale}/").status_code == 404


def test_endpoints_are_in_the_schema(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    assert {"get"} <= set(paths["/api/v1/notifications/"])
    assert "unread_count" in schema["components"]["schemas"]["NotificationPage"]["properties"]
    assert "post" in paths["/api/v1/notifications/{notification_id}/read/"]
    assert "post" in paths["/api/v1/notifications/read-all/"]
    assert {"get", "patch"} <= set(paths["/api/v1/auth/me/notification-settings/"])
    assert "post" in paths["/api/v1/unsubscribe/{token}/"]
    kinds_enum = schema["components"]["schemas"]["NotificationKindEnum"]["enum"]
    assert kinds_enum == list(kinds.KINDS)


def test_list_costs_the_same_queries_whatever_the_page_size():
    user = UserFactory()
    for minutes in range(30):
        make(user, "event_reminder", minutes_ago=minutes, club=ClubFactory() if minutes % 10 == 0 else None)
    client = client_for(user)
    client.get("/api/v1/notifications/")  # warm caches (throttle, content types)
    counts = []
    for size in (1, 25, 100):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/notifications/?page_size={size}").status_code == 200
        counts.append(len(ctx.captured_queries))
        statements = [query["sql"] for query in ctx.captured_queries]
        # The unread count is read in the statement of the list's version, not in one of its own.
        unread = [sql for sql in statements if '"read_at" IS NULL' in sql]
        assert len(unread) == 1 and "cache_stamps" in unread[0], unread
    # One page of all 30 needs no COUNT (the paginator counts a short first page itself).
    assert counts[0] == counts[1] == counts[2] + 1, counts
