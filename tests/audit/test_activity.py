"""GET /api/v1/clubs/{id}/activity/: club admins read who changed what, newest first.

404 for a club the caller may not see, 403 for members who are not club admins; member, event,
RSVP and item changes of the club appear with old and new values; never an email or a phone;
other clubs' changes never appear.
"""

from __future__ import annotations

import json

import pytest

from clubs.models import ClubRole
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, EventItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(club) -> str:
    return f"/api/v1/clubs/{club.pk}/activity/"


def test_hidden_club_is_404_and_plain_member_is_403():
    private = ClubFactory(is_public=False)
    assert client_for(UserFactory()).get(_url(private)).status_code == 404
    member = ClubMemberFactory(club=private, role=ClubRole.MODERATOR).user
    assert client_for(member).get(_url(private)).status_code == 403
    assert client_for(UserFactory()).get("/api/v1/clubs/not-a-uuid/activity/").status_code == 404


def test_club_admin_sees_member_event_rsvp_and_item_changes_newest_first():
    club = ClubFactory(is_public=False)
    admin = club.owner
    other_club = ClubFactory()
    ClubMemberFactory(club=other_club)  # must not appear
    alice = UserFactory(name="Alice", phone="+44 20 7946 0000")
    client = client_for(admin)

    invited = client.post(f"/api/v1/clubs/{club.pk}/members/", {"user_id": str(alice.pk)}, format="json")
    assert invited.status_code == 202, invited.content
    added = client_for(alice).post(f"/api/v1/invites/{invited.json()['code']}/accept/")
    assert added.status_code == 201, added.content
    promoted = client.patch(f"/api/v1/clubs/{club.pk}/members/{alice.pk}/", {"role": "moderator"}, format="json")
    assert promoted.status_code == 200, promoted.content
    event = EventFactory(club=club, title="Middlemarch night")
    rsvp = client_for(alice).put(f"/api/v1/events/{event.pk}/availability/me/", {"status": "available"}, format="json")
    assert rsvp.status_code in (200, 201), rsvp.content
    EventItemFactory(event=event, name="Snacks", assigned_to=alice)

    response = client.get(_url(club), HTTP_X_REQUEST_ID="feed-1")
    assert response.status_code == 200, response.content
    body = response.json()
    entries = body["results"]
    assert body["count"] == len(entries)
    kinds = [(entry["object_type"], entry["action"]) for entry in entries]
    # Newest first: the item, the RSVP, the event, alice's promotion and membership, the club and owner.
    newest = [("item", "insert"), ("rsvp", "insert"), ("event", "insert"), ("member", "update"), ("member", "insert")]
    assert kinds[:5] == newest
    assert ("club", "insert") in kinds
    assert {entry["object_id"] for entry in entries}.isdisjoint({str(m.pk) for m in other_club.memberships.all()})

    item, rsvp_entry, event_entry, promotion, joined = entries[:5]
    assert promotion["changes"] == {"role": ["member", "moderator"]}
    assert promotion["subject"] == {"id": str(alice.pk), "name": "Alice"}
    assert promotion["actor"] == {"id": str(admin.pk), "name": admin.name}
    assert promotion["channel"] == "api" and promotion["request_id"]
    assert joined["changes"]["role"] == [None, "member"]
    assert rsvp_entry["actor"]["id"] == str(alice.pk) and rsvp_entry["changes"]["status"] == [None, "available"]
    assert event_entry["changes"]["title"] == [None, "Middlemarch night"]
    assert item["subject"]["name"] == "Alice" and item["changes"]["name"] == [None, "Snacks"]

    text = json.dumps(body)
    for secret in (alice.email, admin.email, alice.phone, "email", "phone", "password"):
        assert secret not in text


def test_activity_is_paginated():
    club = ClubFactory()
    for _ in range(3):
        EventFactory(club=club)
    body = client_for(club.owner).get(_url(club), {"page_size": 2}).json()
    assert body["count"] >= 5 and len(body["results"]) == 2 and body["next"]
