"""`POST /clubs/{id}/members/` is an invitation for club moderators and admins (202; a repeat 200
and the same invite), a direct add for site admins (201); and the harvesting attack of the issue
fails: nobody's email or phone reaches an inviter they never agreed to join."""

from __future__ import annotations

import json

import pytest

from clubs.joining.models import Invite
from clubs.models import ClubMember
from notifications.models import Notification
from tests.clubs.conftest import build_world
from tests.clubs.joining.helpers import error_codes
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_moderator_invites_and_a_repeat_returns_the_same_invite(public_world):
    world = public_world
    client = client_for(world.users["moderator"])
    url = f"/api/v1/clubs/{world.club.pk}/members/"
    first = client.post(url, {"user_id": str(world.candidate.pk), "role": "guest"})
    assert first.status_code == 202, first.content
    body = first.json()
    assert (body["user"], body["email"], body["role"], body["max_uses"]) == (str(world.candidate.pk), None, "guest", 1)
    assert not ClubMember.objects.filter(club=world.club, user=world.candidate).exists()
    again = client.post(url, {"user_id": str(world.candidate.pk), "role": "member"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert again.json()["role"] == "member"  # the latest choice, as stored
    assert Invite.objects.filter(club=world.club).count() == 1
    assert Notification.objects.filter(user=world.candidate, kind="club_invite").count() == 1

    # The invitee accepts with the code from their notification: now, and only now, a member.
    code = Notification.objects.get(user=world.candidate, kind="club_invite").data["code"]
    accepted = client_for(world.candidate).post(f"/api/v1/invites/{code}/accept/")
    assert accepted.status_code == 201 and accepted.json()["role"] == "member"
    # A new invite after acceptance is refused: they are a member.
    member = client.post(url, {"user_id": str(world.candidate.pk)})
    assert member.status_code == 409 and error_codes(member) == {(None, "already_member")}


def test_an_invite_by_email_may_name_an_address_with_no_account(public_world):
    world = public_world
    response = client_for(world.users["admin"]).post(
        f"/api/v1/clubs/{world.club.pk}/members/", {"email": "Fresh@Example.com", "role": "moderator"}
    )
    assert response.status_code == 202
    assert (response.json()["email"], response.json()["user"], response.json()["role"]) == (
        "fresh@example.com",
        None,
        "moderator",
    )


def test_a_moderator_may_not_invite_an_admin(public_world):
    world = public_world
    response = client_for(world.users["moderator"]).post(
        f"/api/v1/clubs/{world.club.pk}/members/", {"user_id": str(world.candidate.pk), "role": "admin"}
    )
    assert response.status_code == 403
    assert not Invite.objects.exists()


def test_site_admins_still_add_directly(private_world):
    world = private_world
    response = client_for(world.users["site_admin"]).post(
        f"/api/v1/clubs/{world.club.pk}/members/", {"user_id": str(world.candidate.pk), "role": "moderator"}
    )
    assert response.status_code == 201
    assert response.json()["user"]["id"] == str(world.candidate.pk) and response.json()["role"] == "moderator"
    assert ClubMember.objects.get(club=world.club, user=world.candidate).is_active
    assert not Invite.objects.exists()


def test_harvesting_a_strangers_contacts_fails_in_every_response():
    """The attack of the issue: make a club, "add" a stranger by id (ids are public), read their
    email and phone, remove them. Now every answer the attacker gets is free of them."""
    stranger = UserFactory(email="private.person@example.com", phone="+44 7700 900123")
    attacker = UserFactory()
    client = client_for(attacker)
    club = client.post("/api/v1/clubs/", {"name": "Harvest", "is_public": False}).json()
    base = f"/api/v1/clubs/{club['id']}/"
    responses = [
        client.post(f"{base}members/", {"user_id": str(stranger.pk), "role": "member"}),
        client.post(f"{base}members/", {"user_id": str(stranger.pk), "role": "admin"}),
        client.get(f"{base}members/"),
        client.get(f"{base}members/", {"is_active": "false"}),
        client.get(f"{base}members/{stranger.pk}/"),
        client.patch(f"{base}members/{stranger.pk}/", {"is_active": True}),
        client.delete(f"{base}members/{stranger.pk}/"),
        client.get(f"{base}invites/"),
        client.get(f"{base}join-requests/"),
        client.get(base),
    ]
    invite_code = responses[0].json()["code"]
    responses.append(client.get(f"/api/v1/invites/{invite_code}/"))  # the attacker is not the invitee: 404
    assert responses[0].status_code == 202 and responses[1].status_code == 200
    assert responses[4].status_code == 404 and responses[-1].status_code == 404
    for response in responses:
        text = response.content.decode()
        assert "private.person" not in text and "7700" not in text, (response.status_code, text)
    assert not ClubMember.objects.filter(user=stranger).exists()
    # The stranger is told, and decides.
    assert Notification.objects.filter(user=stranger, kind="club_invite").count() == 1


def test_a_club_admin_sees_contacts_only_after_the_invitee_accepted(db):
    world = build_world(is_public=False)
    stranger = UserFactory(email="later.member@example.com", phone="+3312345")
    admin = client_for(world.users["admin"])
    invite = admin.post(f"/api/v1/clubs/{world.club.pk}/members/", {"user_id": str(stranger.pk)}).json()
    assert "later.member" not in json.dumps(admin.get(f"/api/v1/clubs/{world.club.pk}/members/").json())
    assert client_for(stranger).post(f"/api/v1/invites/{invite['code']}/accept/").status_code == 201
    member = admin.get(f"/api/v1/clubs/{world.club.pk}/members/{stranger.pk}/").json()
    assert member["user"]["email"] == "later.member@example.com"  # consent given: the contract's rule
