"""Conditional GETs of the caller's notifications and email settings: their own writes change the
tag (whatever makes them: the API, the services, hand-written SQL), another user's do not."""

from __future__ import annotations

import pytest
from django.db import connection

from notifications.models import Notification
from tests.conditional_helpers import changed, tag_of, unchanged
from tests.conftest import client_for
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
SETTINGS = "/api/v1/auth/me/notification-settings/"


@pytest.mark.parametrize("path", [LIST, f"{LIST}?unread=true", f"{LIST}?kind=event_created&page_size=1"])
def test_a_new_notification_changes_the_list_and_anothers_does_not(path):
    me, other = UserFactory(), UserFactory()
    NotificationFactory(user=me)
    client = client_for(me)
    tag = tag_of(client, path)
    NotificationFactory(user=other)
    unchanged(client, path, tag)
    NotificationFactory(user=me)
    assert changed(client, path, tag).json()["unread_count"] == 2


def test_reading_changes_the_list():
    me = UserFactory()
    note = NotificationFactory(user=me)
    client = client_for(me)
    tag = tag_of(client, LIST)
    assert client.post(f"{LIST}{note.pk}/read/").status_code == 204
    response = changed(client, LIST, tag)
    assert response.json()["unread_count"] == 0
    tag = response["ETag"]
    NotificationFactory(user=me)
    tag = changed(client, LIST, tag)["ETag"]
    assert client.post(f"{LIST}read-all/").status_code == 204
    assert changed(client, LIST, tag).json()["unread_count"] == 0


def test_hand_written_sql_and_deletes_change_the_list():
    me = UserFactory()
    note = NotificationFactory(user=me)
    client = client_for(me)
    tag = tag_of(client, LIST)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE notifications SET title = 'Renamed' WHERE id = %s", [note.pk])
    response = changed(client, LIST, tag)
    assert response.json()["results"][0]["title"] == "Renamed"
    Notification.objects.filter(pk=note.pk).delete()
    assert changed(client, LIST, response["ETag"]).json()["count"] == 0


def test_settings_change_with_the_callers_choice_only():
    me, other = UserFactory(), UserFactory()
    client, others = client_for(me), client_for(other)
    tag = tag_of(client, SETTINGS)
    unchanged(client, SETTINGS, tag)
    assert others.patch(SETTINGS, {"email": {"event_created": True}}, format="json").status_code == 200
    unchanged(client, SETTINGS, tag)
    assert client.patch(SETTINGS, {"email": {"event_created": True}}, format="json").status_code == 200
    response = changed(client, SETTINGS, tag)
    assert response.json()["email"]["event_created"] is True
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM notification_email_preferences WHERE user_id = %s", [me.pk])
    changed(client, SETTINGS, response["ETag"])
