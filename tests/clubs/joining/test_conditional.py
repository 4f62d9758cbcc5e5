"""Conditional GETs of join requests and invites: a club's lists (moderators), the caller's own
requests, an invite's preview. 403 and 404 before any 304."""

from __future__ import annotations

import pytest
from django.db import connection

from clubs.joining.models import Invite, JoinRequest
from clubs.models import Club, ClubRole
from tests.conditional_helpers import changed, refused, tag_of, unchanged
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, InviteFactory, JoinRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_clubs_join_requests_change_with_requests_and_requester_names():
    club = ClubFactory()
    asker = JoinRequestFactory(club=club).user
    client = client_for(club.owner)
    path = f"/api/v1/clubs/{club.pk}/join-requests/"
    tag = tag_of(client, path)
    JoinRequestFactory()  # another club's
    unchanged(client, path, tag)
    JoinRequestFactory(club=club)
    tag = changed(client, path, tag)["ETag"]
    # The requester is no member: their name reaches the list through club.joins.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE users SET name = 'Asker' WHERE id = %s", [asker.pk])
    response = changed(client, path, tag)
    assert "Asker" in {row["user"]["name"] for row in response.json()["results"]}
    JoinRequest.objects.filter(club=club).delete()
    assert changed(client, path, response["ETag"]).json()["count"] == 0


def test_a_clubs_join_requests_stay_403_for_members():
    member = ClubMemberFactory(role=ClubRole.MEMBER)
    path = f"/api/v1/clubs/{member.club_id}/join-requests/"
    tag = tag_of(client_for(member.club.owner), path)
    refused(client_for(member.user), path, tag, 403)
    refused(client_for(UserFactory()), f"/api/v1/clubs/{ClubFactory(is_public=False).pk}/join-requests/", tag, 404)


def test_my_join_requests_change_with_mine_only():
    me = UserFactory()
    mine = JoinRequestFactory(user=me)
    client = client_for(me)
    path = "/api/v1/join-requests/"
    tag = tag_of(client, path)
    JoinRequestFactory(club=mine.club)  # someone else's request to the same club
    unchanged(client, path, tag)
    assert client.delete(f"{path}{mine.pk}/").status_code == 204
    tag = changed(client, path, tag)["ETag"]
    JoinRequestFactory(user=me)
    changed(client, path, tag)


def test_a_clubs_invites_change_with_invites():
    club = ClubFactory()
    invite = InviteFactory(club=club)
    client = client_for(club.owner)
    path = f"/api/v1/clubs/{club.pk}/invites/"
    tag = tag_of(client, path)
    InviteFactory()
    unchanged(client, path, tag)
    assert client.delete(f"{path}{invite.pk}/").status_code == 204
    tag = changed(client, path, tag)["ETag"]
    Invite.objects.filter(pk=invite.pk).update(uses=1)
    changed(client, path, tag)


def test_an_invite_preview_changes_with_its_club_and_stays_404_once_unusable():
    club = ClubFactory(is_public=False)
    guest = UserFactory()
    invite = InviteFactory(club=club, user=guest)
    client = client_for(guest)
    path = f"/api/v1/invites/{invite.code}/"
    tag = tag_of(client, path)
    ClubMemberFactory(club=ClubFactory())
    unchanged(client, path, tag)
    ClubMemberFactory(club=club)  # the member count
    tag = changed(client, path, tag)["ETag"]
    Club.objects.filter(pk=club.pk).update(description="Changed")
    tag = changed(client, path, tag)["ETag"]
    refused(client_for(UserFactory()), path, tag, 404)  # meant for someone else
    Invite.objects.filter(pk=invite.pk).update(revoked=True)
    refused(client, path, tag, 404)
