"""`join_policy` on clubs: defaults, the private-club rule (400 and a CHECK), who changes it, and
what `POST /join/` does under each policy."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role
from clubs.models import Club, ClubMember, JoinPolicy
from tests.clubs.conftest import build_world
from tests.clubs.joining.helpers import error_codes
from tests.conftest import client_for
from tests.factories import ClubFactory, UserFactory

pytestmark = pytest.mark.django_db


def create(user, **body):
    return client_for(user).post("/api/v1/clubs/", {"name": "Readers", **body})


def test_public_clubs_default_to_open_and_private_ones_are_invite_only():
    user = UserFactory()
    assert create(user, is_public=True).json()["join_policy"] == "open"
    assert create(user, is_public=False).json()["join_policy"] == "invite"
    assert create(user).json()["join_policy"] == "invite"  # private unless said otherwise
    assert create(user, is_public=True, join_policy="approval").json()["join_policy"] == "approval"


@pytest.mark.parametrize("policy", ["open", "approval"])
def test_a_private_club_with_another_policy_is_400(policy):
    response = create(UserFactory(), is_public=False, join_policy=policy)
    assert response.status_code == 400
    assert error_codes(response) == {("join_policy", "private_club")}


def test_unknown_policy_is_400():
    response = create(UserFactory(), is_public=True, join_policy="lottery")
    assert response.status_code == 400
    assert error_codes(response) == {("join_policy", "invalid_choice")}


def test_club_admins_change_the_policy_and_privacy_forces_invite():
    world = build_world(is_public=True)
    url = f"/api/v1/clubs/{world.club.pk}/"
    admin = client_for(world.users["admin"])
    assert client_for(world.users["moderator"]).patch(url, {"join_policy": "approval"}).status_code == 403
    assert admin.patch(url, {"join_policy": "approval"}).json()["join_policy"] == "approval"
    # Turning private makes it invite-only; asking for another policy on a private club is a 400.
    assert admin.patch(url, {"is_public": False}).json()["join_policy"] == "invite"
    response = admin.patch(url, {"join_policy": "open"})
    assert response.status_code == 400 and error_codes(response) == {("join_policy", "private_club")}
    # Public again without naming a policy: open (as public clubs were before policies existed).
    assert admin.patch(url, {"is_public": True}).json()["join_policy"] == "open"
    body = admin.patch(url, {"is_public": True, "join_policy": "approval"}).json()
    assert body["join_policy"] == "approval"
    assert Club.objects.get(pk=world.club.pk).join_policy == JoinPolicy.APPROVAL


def test_the_database_refuses_a_private_club_that_is_not_invite_only():
    club = ClubFactory(is_public=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Club.objects.filter(pk=club.pk).update(join_policy=JoinPolicy.OPEN)


def test_join_on_each_policy():
    user = UserFactory()
    client = client_for(user)
    open_club = ClubFactory(is_public=True, join_policy="open")
    response = client.post(f"/api/v1/clubs/{open_club.pk}/join/")
    assert response.status_code == 201 and response.json()["role"] == "member"

    invite_club = ClubFactory(is_public=True, join_policy="invite")
    response = client.post(f"/api/v1/clubs/{invite_club.pk}/join/")
    assert response.status_code == 403
    assert error_codes(response) == {(None, "invite_required")}
    assert not ClubMember.objects.filter(club=invite_club, user=user).exists()

    approval_club = ClubFactory(is_public=True, join_policy="approval")
    response = client.post(f"/api/v1/clubs/{approval_club.pk}/join/", {"message": "I love Eliot."})
    assert response.status_code == 202
    assert response.json()["status"] == "pending" and response.json()["message"] == "I love Eliot."
    assert not ClubMember.objects.filter(club=approval_club, user=user).exists()


def test_a_site_admin_cannot_join_a_private_club_either():
    club = ClubFactory(is_public=False)
    response = client_for(UserFactory(role=Role.ADMIN)).post(f"/api/v1/clubs/{club.pk}/join/")
    assert response.status_code == 403
    assert error_codes(response) == {(None, "invite_required")}
