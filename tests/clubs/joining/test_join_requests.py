"""Join requests over HTTP: ask (202, repeat 200), list, approve, decline, withdraw, and the
notifications they send."""

from __future__ import annotations

import pytest

from clubs.joining.models import JoinRequest
from clubs.models import ClubMember, ClubRole
from notifications.models import Notification
from tests.clubs.conftest import build_world
from tests.clubs.joining.helpers import NOT_FOUND, ask_to_join, error_codes
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {"id", "club", "user", "message", "status", "created_at", "decided_at", "decided_by"}


@pytest.fixture
def world():
    world = build_world(is_public=True)
    world.club.join_policy = "approval"
    world.club.save(update_fields=["join_policy"])
    return world


def test_asking_twice_gives_the_same_pending_request(world):
    asker = UserFactory(email="asker@example.com", phone="+4900000")
    first = ask_to_join(world.club, asker, "Hello")
    assert set(first) == REQUEST_FIELDS
    assert first["user"] == {"id": str(asker.pk), "name": asker.name, "avatar": None}  # no contacts
    assert (first["status"], first["decided_at"], first["decided_by"]) == ("pending", None, None)
    again = client_for(asker).post(f"/api/v1/clubs/{world.club.pk}/join/", {"message": "Hello again"})
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["message"] == "Hello"
    assert JoinRequest.objects.filter(club=world.club, user=asker).count() == 1


def test_message_is_at_most_500_characters(world):
    client = client_for(UserFactory())
    response = client.post(f"/api/v1/clubs/{world.club.pk}/join/", {"message": "x" * 501})
    assert response.status_code == 400 and error_codes(response) == {("message", "max_length")}
    assert client.post(f"/api/v1/clubs/{world.club.pk}/join/", {"message": "x" * 500}).status_code == 202


def test_a_member_asking_is_409_already_member(world):
    response = client_for(world.users["member"]).post(f"/api/v1/clubs/{world.club.pk}/join/")
    assert response.status_code == 409 and error_codes(response) == {(None, "already_member")}


def test_the_clubs_moderators_and_admins_are_told_of_a_new_request_once(world):
    asker = UserFactory(name="Dorothea")
    ask_to_join(world.club, asker)
    client_for(asker).post(f"/api/v1/clubs/{world.club.pk}/join/")  # a repeat tells nobody again
    told = set(Notification.objects.filter(kind="join_request").values_list("user_id", flat=True))
    expected = {world.users[r].pk for r in ("owner", "admin", "moderator")}
    assert told == expected
    assert Notification.objects.filter(kind="join_request").first().title == f"Dorothea asks to join {world.club.name}"


def test_list_filter_and_approve(world):
    asker, other = UserFactory(), UserFactory()
    request = ask_to_join(world.club, asker)
    ask_to_join(world.club, other)
    moderator = client_for(world.users["moderator"])
    base = f"/api/v1/clubs/{world.club.pk}/join-requests/"
    listed = moderator.get(base).json()
    assert listed["count"] == 2 and listed["results"][0]["id"] == request["id"]

    response = moderator.post(f"{base}{request['id']}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == str(asker.pk) and response.json()["role"] == "member"
    assert ClubMember.objects.get(club=world.club, user=asker).is_active
    stored = JoinRequest.objects.get(pk=request["id"])
    assert (stored.status, stored.decided_by_id) == ("approved", world.users["moderator"].pk)
    assert stored.decided_at is not None
    decided = Notification.objects.get(kind="join_request_decided", user=asker)
    assert decided.title == f"Your request to join {world.club.name} was approved"

    assert [r["status"] for r in moderator.get(base, {"status": "pending"}).json()["results"]] == ["pending"]
    assert moderator.get(base, {"status": "approved"}).json()["count"] == 1
    assert moderator.get(base, {"status": "maybe"}).status_code == 400
    # Deciding again is a conflict, and changes nothing.
    again = moderator.post(f"{base}{request['id']}/decline/")
    assert again.status_code == 409
    assert JoinRequest.objects.get(pk=request["id"]).status == "approved"


def test_approve_when_full_is_409_and_the_request_stays_pending(db):
    world = build_world(is_public=True, max_members=6)
    world.club.join_policy = "approval"
    world.club.save(update_fields=["join_policy"])
    request = ask_to_join(world.club, UserFactory())
    response = client_for(world.users["admin"]).post(
        f"/api/v1/clubs/{world.club.pk}/join-requests/{request['id']}/approve/"
    )
    assert response.status_code == 409 and error_codes(response) == {(None, "club_full")}
    assert JoinRequest.objects.get(pk=request["id"]).status == "pending"
    assert ClubMember.objects.filter(club=world.club, is_active=True).count() == 6


def test_decline_tells_the_requester(world):
    asker = UserFactory()
    request = ask_to_join(world.club, asker)
    response = client_for(world.users["admin"]).post(
        f"/api/v1/clubs/{world.club.pk}/join-requests/{request['id']}/decline/"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "declined" and response.json()["decided_by"] == str(world.users["admin"].pk)
    assert not ClubMember.objects.filter(club=world.club, user=asker).exists()
    assert Notification.objects.get(kind="join_request_decided", user=asker).body.endswith("was declined.")
    # A new ask after a decline is a new request.
    assert ask_to_join(world.club, asker)["id"] != request["id"]


def test_a_request_of_another_club_is_404_on_this_clubs_path(world):
    other_club = ClubFactory(is_public=True, join_policy="approval")
    ClubMemberFactory(club=other_club, user=world.users["admin"], role=ClubRole.MEMBER)
    request = ask_to_join(other_club, UserFactory())
    response = client_for(world.users["admin"]).post(
        f"/api/v1/clubs/{world.club.pk}/join-requests/{request['id']}/approve/"
    )
    assert response.status_code == 404 and response.json() == NOT_FOUND
    assert JoinRequest.objects.get(pk=request["id"]).status == "pending"


def test_my_requests_and_withdrawing(world):
    asker = UserFactory()
    request = ask_to_join(world.club, asker)
    ask_to_join(ClubFactory(is_public=True, join_policy="approval"), UserFactory())  # someone else's
    mine = client_for(asker).get("/api/v1/join-requests/").json()
    assert [r["id"] for r in mine["results"]] == [request["id"]]

    # Someone else cannot withdraw it (404, same body as an unknown id); the requester can, once.
    other = client_for(world.users["admin"]).delete(f"/api/v1/join-requests/{request['id']}/")
    assert other.status_code == 404 and other.json() == NOT_FOUND
    assert client_for(asker).delete(f"/api/v1/join-requests/{request['id']}/").status_code == 204
    stored = JoinRequest.objects.get(pk=request["id"])
    assert stored.status == "withdrawn" and stored.decided_by_id == asker.pk
    assert client_for(asker).delete(f"/api/v1/join-requests/{request['id']}/").status_code == 409
    approve = client_for(world.users["admin"]).post(
        f"/api/v1/clubs/{world.club.pk}/join-requests/{request['id']}/approve/"
    )
    assert approve.status_code == 409
    assert client_for(asker).get("/api/v1/join-requests/", {"status": "withdrawn"}).json()["count"] == 1


def test_the_database_holds_one_pending_request_per_user_and_club(world):
    from django.db import IntegrityError, transaction

    asker = UserFactory()
    JoinRequest.objects.create(club=world.club, user=asker)
    with pytest.raises(IntegrityError), transaction.atomic():
        JoinRequest.objects.create(club=world.club, user=asker)
    JoinRequest.objects.filter(user=asker).update(status="declined")
    JoinRequest.objects.create(club=world.club, user=asker)  # decided ones are history, not a block
    assert JoinRequest.objects.filter(user=asker).count() == 2
