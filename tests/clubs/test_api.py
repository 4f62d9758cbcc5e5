"""Clubs and members over HTTP: bodies, codes, validation, visibility and the membership rules."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings

from accounts.models import Role
from clubs.models import Club, ClubMember, ClubRole
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}]}
CLUB_FIELDS = {
    "id", "name", "description", "owner", "is_public", "join_policy", "max_members", "meeting_frequency", "current_book",
    "location", "tags", "timezone", "reminder_hours", "member_count", "my_role", "created_at", "updated_at",
}  # fmt: skip


def error_codes(response) -> set[tuple[str | None, str]]:
    return {(error["attr"], error["code"]) for error in response.json()["errors"]}


# --- create, read, update, delete --------------------------------------------------------------
def test_create_returns_every_stored_field_and_makes_the_caller_owner_and_admin(user):
    body = {
        "name": "  Slow Readers  ",
        "description": "We read slowly.",
        "is_public": True,
        "max_members": 12,
        "meeting_frequency": "monthly",
        "current_book": "Middlemarch",
        "location": "Library",
        "tags": [" Fiction", "classics ", "fiction", "", "CLASSICS"],
        "timezone": "Europe/Berlin",
    }
    response = client_for(user).post("/api/v1/clubs/", body)
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == CLUB_FIELDS
    assert data["name"] == "Slow Readers"
    assert data["tags"] == ["fiction", "classics"]
    assert data["owner"] == str(user.pk)
    assert data["my_role"] == "admin"
    assert data["member_count"] == 1
    assert data["timezone"] == "Europe/Berlin"
    assert data["max_members"] == 12 and data["is_public"] is True
    assert data["created_at"].endswith("Z") and data["updated_at"].endswith("Z")
    member = ClubMember.objects.get(club_id=data["id"])
    assert (member.user_id, member.role, member.is_active) == (user.pk, ClubRole.ADMIN, True)
    assert client_for(user).get(f"/api/v1/clubs/{data['id']}/").json() == data


@override_settings(DEFAULT_CLUB_TIMEZONE="America/Chicago")
def test_create_defaults(user):
    data = client_for(user).post("/api/v1/clubs/", {"name": "Minimal"}).json()
    assert data["timezone"] == "America/Chicago"
    assert data["is_public"] is False
    assert data["tags"] == []
    assert data["max_members"] is None


def test_site_guest_may_not_create_a_club():
    response = client_for(UserFactory(role=Role.GUEST)).post("/api/v1/clubs/", {"name": "Nope"})
    assert response.status_code == 403
    assert error_codes(response) == {(None, "permission_denied")}
    assert not Club.objects.exists()


def test_anonymous_gets_401_everywhere(public_world):
    club = f"/api/v1/clubs/{public_world.club.pk}/"
    from rest_framework.test import APIClient

    client = APIClient()
    for response in (
        client.get("/api/v1/clubs/"),
        client.post("/api/v1/clubs/", {"name": "x"}),
        client.get(club),
        client.get(f"{club}members/"),
        client.post(f"{club}join/"),
    ):
        assert response.status_code == 401
        assert error_codes(response) == {(None, "not_authenticated")}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {("name", "required")}),
        ({"name": ""}, {("name", "blank")}),
        ({"name": "   "}, {("name", "blank")}),
        ({"name": "x" * 256}, {("name", "max_length")}),
        ({"name": "ok", "max_members": 0}, {("max_members", "min_value")}),
        ({"name": "ok", "max_members": -3}, {("max_members", "min_value")}),
        ({"name": "ok", "max_members": 2**31}, {("max_members", "max_value")}),
        ({"name": "ok", "max_members": "many"}, {("max_members", "invalid")}),
        ({"name": "ok", "timezone": "Mars/Olympus"}, {("timezone", "invalid_timezone")}),
        ({"name": "ok", "timezone": ""}, {("timezone", "blank")}),
        ({"name": "ok", "tags": [f"t{i}" for i in range(21)]}, {("tags", "too_many_tags")}),
        ({"name": "ok", "tags": ["x" * 51]}, {("tags", "tag_too_long")}),
        ({"name": "ok", "tags": "fiction"}, {("tags", "not_a_list")}),
        ({"name": "ok", "tags": ["nul\x00byte"]}, {("tags.0", "null_characters_not_allowed")}),
        ({"name": "bad\x00name"}, {("name", "null_characters_not_allowed")}),
        ({"name": "ok", "is_public": "perhaps"}, {("is_public", "invalid")}),
        ({"name": "ok", "location": "x" * 256}, {("location", "max_length")}),
    ],
)
def test_create_validation_answers_400_with_field_errors(user, body, expected):
    response = client_for(user).post("/api/v1/clubs/", body)
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"
    assert error_codes(response) == expected
    assert not Club.objects.exists()


def test_twenty_tags_of_fifty_characters_are_fine(user):
    tags = [f"{i:02d}" + "x" * 48 for i in range(20)] + ["00" + "X" * 48]  # the last is a duplicate
    response = client_for(user).post("/api/v1/clubs/", {"name": "Tags", "tags": tags})
    assert response.status_code == 201, response.content
    assert len(response.json()["tags"]) == 20


def test_malformed_json_is_400(user):
    response = client_for(user).post("/api/v1/clubs/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_patch_changes_only_given_fields_and_validates(public_world):
    admin = client_for(public_world.users["admin"])
    url = f"/api/v1/clubs/{public_world.club.pk}/"
    before = admin.get(url).json()
    response = admin.patch(url, {"tags": ["Poetry", "poetry"], "timezone": "Asia/Tokyo", "description": None})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["tags"] == ["poetry"] and data["timezone"] == "Asia/Tokyo" and data["description"] is None
    assert data["name"] == before["name"]
    assert data["updated_at"] >= before["updated_at"]
    public_world.club.refresh_from_db()
    assert public_world.club.tags == ["poetry"]
    assert admin.patch(url, {"timezone": "Nowhere/Town"}).status_code == 400
    assert admin.patch(url, {"name": ""}).status_code == 400


def test_put_is_not_allowed(public_world):
    response = client_for(public_world.users["owner"]).put(f"/api/v1/clubs/{public_world.club.pk}/", {"name": "x"})
    assert response.status_code == 405


def test_lowering_max_members_below_active_count_is_400(public_world):
    owner = client_for(public_world.users["owner"])
    url = f"/api/v1/clubs/{public_world.club.pk}/"
    response = owner.patch(url, {"max_members": 5})  # 6 active members
    assert response.status_code == 400
    assert error_codes(response) == {("max_members", "below_member_count")}
    assert owner.patch(url, {"max_members": 6}).json()["max_members"] == 6
    assert owner.patch(url, {"max_members": None}).json()["max_members"] is None


def test_delete_cascades(public_world):
    from tests.factories import EventFactory

    EventFactory(club=public_world.club)
    response = client_for(public_world.users["owner"]).delete(f"/api/v1/clubs/{public_world.club.pk}/")
    assert response.status_code == 204
    assert not Club.objects.filter(pk=public_world.club.pk).exists()
    assert not ClubMember.objects.filter(club_id=public_world.club.pk).exists()


# --- visibility --------------------------------------------------------------------------------
def test_hidden_club_is_indistinguishable_from_an_unknown_one_on_every_path(private_world):
    outsider = client_for(private_world.users["outsider"])
    member_id = private_world.target.pk
    for club_id in (private_world.club.pk, uuid.uuid4(), "not-a-uuid", "1"):
        base = f"/api/v1/clubs/{club_id}/"
        for method, path, body in [
            ("get", base, None),
            ("patch", base, {"name": "x"}),
            ("delete", base, None),
            ("get", f"{base}members/", None),
            ("post", f"{base}members/", {"user_id": str(member_id)}),
            ("get", f"{base}members/{member_id}/", None),
            ("patch", f"{base}members/{member_id}/", {"role": "admin"}),
            ("delete", f"{base}members/{member_id}/", None),
            ("post", f"{base}join/", None),
            ("post", f"{base}leave/", None),
            ("post", f"{base}transfer-ownership/", {"user_id": str(member_id)}),
        ]:
            response = getattr(outsider, method)(path, body) if body is not None else getattr(outsider, method)(path)
            assert response.status_code == 404, (method, path, response.content)
            assert response.json() == NOT_FOUND, (method, path)


def test_malformed_and_unknown_member_ids_are_404(public_world):
    client = client_for(public_world.users["admin"])
    base = f"/api/v1/clubs/{public_world.club.pk}/members/"
    for user_id in ("nope", uuid.uuid4(), public_world.candidate.pk):
        for response in (client.get(f"{base}{user_id}/"), client.patch(f"{base}{user_id}/", {"books_read": 1})):
            assert response.status_code == 404
            assert response.json() == NOT_FOUND


def test_former_member_of_a_private_club_no_longer_sees_it(private_world):
    member = private_world.users["member"]
    client = client_for(member)
    assert client.post(f"/api/v1/clubs/{private_world.club.pk}/leave/").status_code == 204
    assert client.get(f"/api/v1/clubs/{private_world.club.pk}/").status_code == 404
    assert str(private_world.club.pk) not in [c["id"] for c in client.get("/api/v1/clubs/").json()["results"]]
