"""My notifications and my email choices in the web app (the notifications app's selectors and
services, as the API's)."""

from __future__ import annotations

import pytest
from django.test import Client

from notifications import kinds
from notifications.models import Notification
from notifications.selectors import email_preferences_of
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def _notification(user, title, event=None):
    return Notification.objects.create(
        user=user,
        kind="event_created",
        title=title,
        body=f"{title}, body",
        event=event,
        club=getattr(event, "club", None),
    )


def test_list_mark_read_open_and_mark_all(user):
    event = EventFactory()
    first = _notification(user, "New meeting: Middlemarch", event)
    _notification(user, "Another one")
    theirs = _notification(UserFactory(), "Not for you")
    client = Client()
    client.force_login(user)
    page = client.get("/notifications/").text
    assert "New meeting: Middlemarch" in page and "Another one" in page and "Not for you" not in page
    assert "2 unread" in page
    response = client.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    assert response["Location"] == f"/meetings/{event.pk}/"
    first.refresh_from_db()
    assert first.read_at is not None
    gone = client.post(f"/notifications/{theirs.pk}/read/", follow=True).text
    assert "That notification is gone." in gone
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post("/notifications/all/read/", {"all": "1"})
    assert not Notification.objects.filter(user=user, read_at=None).exists()
    assert client.post("/notifications/not-a-uuid/read/").status_code == 404


def test_email_choices_on_the_profile(user):
    client = Client()
    client.force_login(user)
    page = client.get("/profile/").text
    for kind in kinds.KINDS.values():
        assert kind.label in page
    client.post("/profile/email/", {"email": ["event_cancelled"]})
    chosen = email_preferences_of(user_id=user.pk)
    assert chosen["event_cancelled"] is True
    assert not any(wanted for name, wanted in chosen.items() if name != "event_cancelled")
