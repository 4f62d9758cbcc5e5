"""The permission matrix of events, RSVPs and items: six callers × public/private club × public/private event."""

from __future__ import annotations

import datetime as dt

import pytest

from events.items.models import EventItem
from tests.events.helpers import ROLES, make_world
from tests.factories import EventItemFactory

pytestmark = pytest.mark.django_db

MANAGERS = {"moderator", "admin", "site_admin"}
CONTRIBUTORS = {"member", "moderator", "admin", "site_admin"}
MEMBERS = {"guest", "member", "moderator", "admin"}


def visible(role, club_public, event_public):
    return role in MEMBERS or role == "site_admin" or (club_public and event_public)


def expect(allowed_code, *, allowed, sees):
    """The status a caller gets: success when allowed, 403 when it sees the event, 404 otherwise."""
    if not sees:
        return 404
    return allowed_code if allowed else 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("club_public", [True, False], ids=["public_club", "private_club"])
@pytest.mark.parametrize("event_public", [True, False], ids=["public_event", "private_event"])
def test_matrix(role, club_public, event_public):
    world = make_world(club_public=club_public, event_public=event_public)
    client = world.client(role)
    event = world.event
    sees = visible(role, club_public, event_public)
    base = f"/api/v1/events/{event.pk}/"

    # Reading the event, its calendar, its RSVPs and its items.
    for path in (base, f"{base}calendar.ics", f"{base}availability/", f"{base}items/"):
        assert client.get(path).status_code == (200 if sees else 404), path

    # Listing: the event appears in the cross-club list and the club's list only when visible.
    listed = [e["id"] for e in client.get("/api/v1/events/").json()["results"]]
    assert (str(event.pk) in listed) is sees
    club_list = client.get(f"/api/v1/clubs/{world.club.pk}/events/")
    sees_club = club_public or role in MEMBERS or role == "site_admin"
    assert club_list.status_code == (200 if sees_club else 404)
    if sees_club:
        assert (str(event.pk) in [e["id"] for e in club_list.json()["results"]]) is sees

    # Creating an event: moderators and admins of the club, and site admins.
    body = {
        "title": "New",
        "event_date": str(dt.date.today() + dt.timedelta(days=3)),
        "event_time": "18:00:00",
        "location": "Cafe",
    }
    response = client.post(f"/api/v1/clubs/{world.club.pk}/events/", body, format="json")
    assert response.status_code == expect(201, allowed=role in MANAGERS, sees=sees_club)

    # RSVP: anyone who sees the event may RSVP.
    response = client.put(f"{base}availability/me/", {"status": "maybe"}, format="json")
    assert response.status_code == (201 if sees else 404)

    # Setting a member's RSVP: managers only.
    member = world.users["member"]
    response = client.put(f"{base}availability/{member.pk}/", {"status": "available"}, format="json")
    assert response.status_code == expect(201, allowed=role in MANAGERS, sees=sees)

    # Items: members except guests create; the creator, assignee and managers edit; creator and managers delete.
    response = client.post(f"{base}items/", {"name": "Snacks"}, format="json")
    assert response.status_code == expect(201, allowed=role in CONTRIBUTORS, sees=sees)

    others = EventItemFactory(event=event, created_by=world.users["admin"], assigned_to=None)
    response = client.patch(f"{base}items/{others.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == expect(200, allowed=role in MANAGERS, sees=sees)
    response = client.delete(f"{base}items/{others.pk}/")
    assert response.status_code == expect(204, allowed=role in MANAGERS, sees=sees)

    # Editing and deleting the event: managers only.
    response = client.patch(base, {"title": "Renamed"}, format="json")
    assert response.status_code == expect(200, allowed=role in MANAGERS, sees=sees)
    response = client.delete(base)
    assert response.status_code == expect(204, allowed=role in MANAGERS, sees=sees)


@pytest.mark.parametrize("role", ["guest", "member"])
def test_creator_and_assignee_scopes(role):
    world = make_world(club_public=False, event_public=False)
    user = world.users[role]
    client = world.client(role)
    base = f"/api/v1/events/{world.event.pk}/items/"

    assigned = EventItemFactory(event=world.event, created_by=world.users["admin"], assigned_to=user)
    # The assignee may change status and notes, nothing else.
    response = client.patch(f"{base}{assigned.pk}/", {"status": "completed", "notes": "done"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    for field, value in (("name", "X"), ("category", "note"), ("assigned_to", None)):
        response = client.patch(f"{base}{assigned.pk}/", {field: value, "status": "pending"}, format="json")
        assert response.status_code == 403, field
    assert EventItem.objects.get(pk=assigned.pk).status == "completed"
    # The assignee may not delete.
    assert client.delete(f"{base}{assigned.pk}/").status_code == 403

    # The creator may edit every field and delete (members create; guests cannot).
    if role == "member":
        created = client.post(base, {"name": "Mine"}, format="json").json()
        response = client.patch(f"{base}{created['id']}/", {"name": "Still mine", "category": "agenda"}, format="json")
        assert response.status_code == 200
        assert response.json()["category"] == "agenda"
        assert client.delete(f"{base}{created['id']}/").status_code == 204


def test_anonymous_is_401_everywhere():
    world = make_world()
    from rest_framework.test import APIClient

    client = APIClient()
    base = f"/api/v1/events/{world.event.pk}/"
    for path in ("/api/v1/events/", base, f"{base}calendar.ics", f"{base}availability/", f"{base}items/"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["errors"][0]["code"] == "not_authenticated"
