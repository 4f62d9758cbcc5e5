"""The web pages follow the API's role table (tests/clubs/test_permission_matrix.py): every role ×
club action × public and private club. A page the role may not see is a 404 page; an action it
may not take is a redirect with a message and no change, never a 500."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.models import Role
from clubs.joining.models import Invite
from clubs.models import ClubMember, ClubRole
from events.availability.models import Availability
from events.items.models import EventItem
from events.models import Event
from tests.clubs.conftest import ROLES, build_world
from tests.factories import EventFactory, EventItemFactory

pytestmark = pytest.mark.django_db

#                      outsider guest member moderator admin owner site_admin
PUBLIC = {
    "club_page":       ("ok",   "ok",  "ok",  "ok",  "ok",  "ok",  "ok"),
    "join":            ("ok",   "no",  "no",  "no",  "no",  "no",  "ok"),
    "leave":           ("no",   "ok",  "ok",  "ok",  "ok",  "no",  "no"),
    "meeting_form":    ("no",   "no",  "no",  "ok",  "ok",  "ok",  "ok"),
    "member_remove":   ("no",   "no",  "no",  "ok",  "ok",  "ok",  "ok"),
    "member_role":     ("no",   "no",  "no",  "no",  "ok",  "ok",  "ok"),
    "member_add":      ("no",   "no",  "no",  "ok",  "ok",  "ok",  "ok"),
    "private_meeting": ("404",  "ok",  "ok",  "ok",  "ok",  "ok",  "ok"),
    "rsvp_private":    ("404",  "ok",  "ok",  "ok",  "ok",  "ok",  "ok"),
    "rsvp_public":     ("ok",   "ok",  "ok",  "ok",  "ok",  "ok",  "ok"),
    "item_add":        ("404",  "no",  "ok",  "ok",  "ok",  "ok",  "ok"),
    # The assignee must be an active member of the club: a site admin who is not one is refused.
    "item_claim_other": ("404", "no",  "no",  "ok",  "ok",  "ok",  "no"),
}  # fmt: skip


def expected(action: str, role: str, is_public: bool) -> str:
    outcome = PUBLIC[action][ROLES.index(role)]
    if not is_public and role == "outsider":
        return "404"  # a private club and all it holds is invisible to outsiders
    if not is_public and action == "join" and role == "site_admin":
        return "no"  # private clubs cannot be joined
    if not is_public and action == "rsvp_public":
        return "ok" if role != "outsider" else "404"
    return outcome


def _member(world, user):
    return ClubMember.objects.filter(club=world.club, user=user).first()


def perform(action: str, client: Client, world, user):
    """Do `action`; return (response, whether it took effect)."""
    club = world.club
    base = f"/clubs/{club.pk}/"
    if action == "club_page":
        response = client.get(base)
        return response, response.status_code == 200 and club.name in response.text
    if action == "join":
        before = _member(world, user)
        response = client.post(f"{base}join/")
        member = _member(world, user)
        return response, before is None and member is not None and member.is_active
    if action == "leave":
        response = client.post(f"{base}leave/")
        member = _member(world, user)
        return response, member is not None and not member.is_active
    if action == "meeting_form":
        response = client.get(f"{base}meetings/new/")
        return response, response.status_code == 200 and 'name="event_date"' in response.text
    if action == "member_remove":
        response = client.post(f"{base}members/{world.target.pk}/", {"action": "remove"})
        return response, not _member(world, world.target).is_active
    if action == "member_role":
        response = client.post(f"{base}members/{world.target.pk}/", {"role": "moderator"})
        return response, _member(world, world.target).role == ClubRole.MODERATOR
    if action == "member_add":
        # Club moderators and admins invite (the candidate joins only by accepting); staff add.
        response = client.post(f"{base}members/", {"email": world.candidate.email, "role": "member"})
        member = _member(world, world.candidate)
        if user.role == Role.ADMIN:
            return response, member is not None and member.is_active
        invited = Invite.objects.filter(club=club, email=world.candidate.email, revoked=False).exists()
        return response, invited and member is None
    event = EventFactory(club=club, is_public=action == "rsvp_public", max_attendees=None)
    if action == "private_meeting":
        response = client.get(f"/meetings/{event.pk}/")
        return response, response.status_code == 200 and event.title in response.text
    if action in ("rsvp_private", "rsvp_public"):
        response = client.post(f"/meetings/{event.pk}/rsvp/", {"status": "available"})
        return response, Availability.objects.filter(event=event, user=user, status="available").exists()
    if action == "item_add":
        response = client.post(f"/meetings/{event.pk}/items/", {"name": "Cake", "category": "material"})
        return response, EventItem.objects.filter(event=event, name="Cake").exists()
    if action == "item_claim_other":
        item = EventItemFactory(event=event, created_by=world.users["owner"])
        response = client.post(f"/meetings/{event.pk}/items/{item.pk}/", {"action": "claim"})
        item.refresh_from_db()
        return response, item.assigned_to_id == user.pk
    raise AssertionError(action)


@pytest.mark.parametrize("is_public", [True, False], ids=["public", "private"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(PUBLIC))
def test_role_matrix(action, role, is_public):
    world = build_world(is_public=is_public)
    user = world.users[role]
    client = Client()
    client.force_login(user)
    response, took_effect = perform(action, client, world, user)
    want = expected(action, role, is_public)
    assert response.status_code < 500
    if want == "404":
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
        assert not took_effect
    elif want == "ok":
        assert response.status_code in (200, 302), response.status_code
        assert took_effect
    else:
        assert not took_effect
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def test_unknown_and_malformed_ids_are_404_pages(client, user):
    client.force_login(user)
    for path in (
        "/clubs/not-a-uuid/",
        "/clubs/00000000-0000-0000-0000-000000000000/",
        "/meetings/nope/",
        "/meetings/00000000-0000-0000-0000-000000000000/calendar.ics",
        "/no/such/page/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text


def test_pages_need_a_signed_in_member(client):
    event = EventFactory()
    for path in ("/", "/clubs/", f"/clubs/{event.club_id}/", f"/meetings/{event.pk}/", "/profile/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/signin/?next=")
    response = client.post(f"/meetings/{event.pk}/rsvp/", {"status": "available"})
    assert response.status_code == 302
    assert not Event.objects.get(pk=event.pk).attendees
