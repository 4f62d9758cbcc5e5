"""Clubs and members over HTTP: bodies, codes, validation, visibility and the membership rules."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings

from accounts.models import Role
from clubs.models import Club, ClubMember, ClubRole
from tests.clubs.conftest import build_world
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}]}
CLUB_FIELDS = {
    "id", "name", "description", "owner", "is_public", "max_members", "meeting_frequency", "current_book",
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


# --- members -----------------------------------------------------------------------------------
def member_list(client, club, **params):
    response = client.get(f"/api/v1/clubs/{club.pk}/members/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_member_contacts_only_for_self_club_admins_and_site_admins(public_world):
    world = public_world
    world.target.phone = "+4912345"
    world.target.save(update_fields=["phone"])
    for role, sees_others in [
        ("outsider", False),
        ("guest", False),
        ("member", False),
        ("moderator", False),
        ("admin", True),
        ("owner", True),
        ("site_admin", True),
    ]:
        rows = member_list(client_for(world.users[role]), world.club)
        assert {tuple(sorted(row["user"])) for row in rows} <= {
            ("avatar", "email", "id", "name", "phone"),
            ("avatar", "id", "name"),
        }
        for row in rows:
            own = row["user"]["id"] == str(world.users[role].pk)
            assert ("email" in row["user"]) is (own or sees_others), (role, row)
            assert ("phone" in row["user"]) is (own or sees_others), (role, row)
        target_row = next(row for row in rows if row["user"]["id"] == str(world.target.pk))
        assert set(target_row) == {"user", "role", "joined_date", "books_read", "is_active"}
        if sees_others:
            assert target_row["user"]["email"] == world.target.email
            assert target_row["user"]["phone"] == "+4912345"


def test_club_admin_sees_no_contacts_of_former_members(public_world):
    world = public_world
    ClubMember.objects.filter(club=world.club, user=world.target).update(is_active=False)
    rows = member_list(client_for(world.users["admin"]), world.club, is_active="false")
    assert [row["user"]["id"] for row in rows] == [str(world.target.pk)]
    assert "email" not in rows[0]["user"]
    rows = member_list(client_for(world.users["site_admin"]), world.club, is_active="false")
    assert "email" in rows[0]["user"]


def test_member_list_filters_and_ordering(public_world):
    world = public_world
    client = client_for(world.users["member"])
    assert len(member_list(client, world.club)) == 6
    assert {row["role"] for row in member_list(client, world.club, role="moderator")} == {"moderator"}
    ClubMember.objects.filter(club=world.club, user=world.target).update(books_read=9)
    rows = member_list(client, world.club, ordering="-books_read")
    assert rows[0]["user"]["id"] == str(world.target.pk)
    assert client.get(f"/api/v1/clubs/{world.club.pk}/members/", {"role": "owner"}).status_code == 400


def test_add_member_by_email_case_insensitively_and_by_id(public_world):
    world = public_world
    client = client_for(world.users["moderator"])
    url = f"/api/v1/clubs/{world.club.pk}/members/"
    response = client.post(url, {"email": world.candidate.email.upper(), "role": "guest"})
    assert response.status_code == 201, response.content
    assert response.json()["user"]["id"] == str(world.candidate.pk)
    assert response.json()["role"] == "guest" and response.json()["is_active"] is True
    other = UserFactory()
    response = client.post(url, {"user_id": str(other.pk)})
    assert response.status_code == 201
    assert response.json()["role"] == "member"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"user_id": str(uuid.uuid4())}, {("user_id", "does_not_exist")}),
        ({"email": "nobody@example.com"}, {("email", "does_not_exist")}),
        ({"user_id": "not-a-uuid"}, {("user_id", "invalid")}),
        ({"email": "not an email"}, {("email", "invalid")}),
        ({}, {("user_id", "user_id_or_email")}),
        ({"role": "owner", "user_id": str(uuid.uuid4())}, {("role", "invalid_choice")}),
    ],
)
def test_add_member_bad_input_is_400_never_500(public_world, body, expected):
    response = client_for(public_world.users["admin"]).post(f"/api/v1/clubs/{public_world.club.pk}/members/", body)
    assert response.status_code == 400, response.content
    assert error_codes(response) == expected


def test_add_member_both_ids_is_400(public_world):
    world = public_world
    response = client_for(world.users["admin"]).post(
        f"/api/v1/clubs/{world.club.pk}/members/", {"user_id": str(world.candidate.pk), "email": "x@example.com"}
    )
    assert response.status_code == 400
    assert error_codes(response) == {("user_id", "user_id_or_email")}


def test_add_deactivated_user_is_400(public_world):
    gone = UserFactory(is_active=False)
    response = client_for(public_world.users["admin"]).post(
        f"/api/v1/clubs/{public_world.club.pk}/members/", {"user_id": str(gone.pk)}
    )
    assert response.status_code == 400


def test_add_existing_member_is_409_and_former_member_is_reinstated(public_world):
    world = public_world
    client = client_for(world.users["admin"])
    url = f"/api/v1/clubs/{world.club.pk}/members/"
    response = client.post(url, {"user_id": str(world.target.pk)})
    assert response.status_code == 409
    assert error_codes(response) == {(None, "already_member")}
    ClubMember.objects.filter(club=world.club, user=world.target).update(is_active=False, books_read=4)
    response = client.post(url, {"user_id": str(world.target.pk), "role": "moderator"})
    assert response.status_code == 201
    assert response.json()["books_read"] == 4  # history survives
    assert response.json()["role"] == "moderator"
    assert ClubMember.objects.filter(club=world.club, user=world.target).count() == 1


def test_add_member_when_full_is_409(db):
    world = build_world(is_public=True, max_members=6)
    response = client_for(world.users["admin"]).post(
        f"/api/v1/clubs/{world.club.pk}/members/", {"user_id": str(world.candidate.pk)}
    )
    assert response.status_code == 409
    assert error_codes(response) == {(None, "club_full")}


def test_member_update_is_scoped_to_this_club(public_world):
    """Pitfall 8: a membership of another club is not reachable through this club's path."""
    world = public_world
    other_club = ClubFactory(is_public=True)
    stranger = ClubMemberFactory(club=other_club, role=ClubRole.MEMBER).user
    client = client_for(world.users["admin"])
    response = client.patch(f"/api/v1/clubs/{world.club.pk}/members/{stranger.pk}/", {"role": "guest"})
    assert response.status_code == 404
    response = client.delete(f"/api/v1/clubs/{world.club.pk}/members/{stranger.pk}/")
    assert response.status_code == 404
    assert ClubMember.objects.get(club=other_club, user=stranger).role == ClubRole.MEMBER
    assert ClubMember.objects.get(club=other_club, user=stranger).is_active


def test_member_update_returns_what_is_stored(public_world):
    world = public_world
    url = f"/api/v1/clubs/{world.club.pk}/members/{world.target.pk}/"
    response = client_for(world.users["admin"]).patch(url, {"role": "moderator", "books_read": 7})
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["books_read"]) == ("moderator", 7)
    stored = ClubMember.objects.get(club=world.club, user=world.target)
    assert (stored.role, stored.books_read) == ("moderator", 7)
    assert client_for(world.users["admin"]).patch(url, {"books_read": -1}).status_code == 400
    assert client_for(world.users["admin"]).patch(url, {"books_read": 2**31}).status_code == 400


def test_moderator_may_not_remove_or_demote_admins(public_world):
    world = public_world
    client = client_for(world.users["moderator"])
    admin_url = f"/api/v1/clubs/{world.club.pk}/members/{world.users['admin'].pk}/"
    assert client.delete(admin_url).status_code == 403
    assert client.patch(admin_url, {"is_active": False}).status_code == 403
    assert client.patch(admin_url, {"role": "member"}).status_code == 403


def test_owner_stays_admin_and_cannot_be_removed(public_world):
    world = public_world
    owner_url = f"/api/v1/clubs/{world.club.pk}/members/{world.users['owner'].pk}/"
    client = client_for(world.users["admin"])
    response = client.patch(owner_url, {"role": "member"})
    assert response.status_code == 409
    assert error_codes(response) == {(None, "owner_must_be_admin")}
    response = client.delete(owner_url)
    assert response.status_code == 409
    assert error_codes(response) == {(None, "owner_cannot_leave")}
    response = client_for(world.users["owner"]).post(f"/api/v1/clubs/{world.club.pk}/leave/")
    assert response.status_code == 409
    assert error_codes(response) == {(None, "owner_cannot_leave")}


def test_last_admin_cannot_be_demoted_removed_or_leave(db):
    """A club whose owner is gone (owner SET NULL) still keeps at least one active admin."""
    world = build_world(is_public=True)
    world.users["owner"].delete()
    club, admin = world.club, world.users["admin"]
    url = f"/api/v1/clubs/{club.pk}/members/{admin.pk}/"
    for response in (
        client_for(admin).patch(url, {"role": "member"}),
        client_for(admin).patch(url, {"is_active": False}),
        client_for(admin).delete(url),
        client_for(admin).post(f"/api/v1/clubs/{club.pk}/leave/"),
        client_for(world.users["site_admin"]).delete(url),
    ):
        assert response.status_code == 409
        assert error_codes(response) == {(None, "last_admin")}
    assert ClubMember.objects.get(club=club, user=admin).role == ClubRole.ADMIN
    # With a second admin, the first may step down.
    client_for(admin).patch(f"/api/v1/clubs/{club.pk}/members/{world.target.pk}/", {"role": "admin"})
    assert client_for(admin).patch(url, {"role": "member"}).status_code == 200


def test_remove_then_rejoin(public_world):
    world = public_world
    url = f"/api/v1/clubs/{world.club.pk}/members/{world.target.pk}/"
    assert client_for(world.users["moderator"]).delete(url).status_code == 204
    row = ClubMember.objects.get(club=world.club, user=world.target)
    assert row.is_active is False
    # Removing again is a no-op.
    assert client_for(world.users["moderator"]).delete(url).status_code == 204
    response = client_for(world.target).post(f"/api/v1/clubs/{world.club.pk}/join/")
    assert response.status_code == 201
    assert response.json()["role"] == "member" and response.json()["is_active"] is True
    assert response.json()["user"]["email"] == world.target.email  # their own
    assert ClubMember.objects.filter(club=world.club, user=world.target).count() == 1


def test_reinstating_through_patch_respects_capacity(db):
    world = build_world(is_public=True, max_members=6)
    admin = client_for(world.users["admin"])
    target_url = f"/api/v1/clubs/{world.club.pk}/members/{world.target.pk}/"
    assert admin.patch(target_url, {"is_active": False}).status_code == 200
    assert client_for(world.candidate).post(f"/api/v1/clubs/{world.club.pk}/join/").status_code == 201
    response = admin.patch(target_url, {"is_active": True})
    assert response.status_code == 409
    assert error_codes(response) == {(None, "club_full")}


# --- join, leave, transfer ---------------------------------------------------------------------
def test_join_private_club_as_site_admin_is_403_and_full_club_409(db):
    world = build_world(is_public=False)
    assert client_for(world.users["site_admin"]).post(f"/api/v1/clubs/{world.club.pk}/join/").status_code == 403
    full = build_world(is_public=True, max_members=6)
    response = client_for(full.candidate).post(f"/api/v1/clubs/{full.club.pk}/join/")
    assert response.status_code == 409
    assert error_codes(response) == {(None, "club_full")}
    assert not ClubMember.objects.filter(club=full.club, user=full.candidate).exists()


def test_join_response_is_the_membership(public_world):
    response = client_for(public_world.candidate).post(f"/api/v1/clubs/{public_world.club.pk}/join/")
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["user"]["id"] == str(public_world.candidate.pk)
    assert data["role"] == "member" and data["books_read"] == 0 and data["is_active"] is True
    detail = client_for(public_world.candidate).get(f"/api/v1/clubs/{public_world.club.pk}/").json()
    assert detail["my_role"] == "member" and detail["member_count"] == 7


def test_transfer_ownership(public_world):
    world = public_world
    club_url = f"/api/v1/clubs/{world.club.pk}/"
    owner = client_for(world.users["owner"])
    response = owner.post(f"{club_url}transfer-ownership/", {"user_id": str(world.users["guest"].pk)})
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == str(world.users["guest"].pk)
    roles = dict(ClubMember.objects.filter(club=world.club).values_list("user_id", "role"))
    assert roles[world.users["guest"].pk] == ClubRole.ADMIN
    assert roles[world.users["owner"].pk] == ClubRole.ADMIN  # the old owner stays an admin
    # The old owner may now leave; the new one may not.
    assert owner.post(f"{club_url}leave/").status_code == 204
    assert client_for(world.users["guest"]).post(f"{club_url}leave/").status_code == 409


@pytest.mark.parametrize("who", ["candidate", "former", "unknown", "malformed"])
def test_transfer_to_a_non_member_is_400(public_world, who):
    world = public_world
    ClubMember.objects.filter(club=world.club, user=world.target).update(is_active=False)
    user_id = {
        "candidate": str(world.candidate.pk),
        "former": str(world.target.pk),
        "unknown": str(uuid.uuid4()),
        "malformed": "xyz",
    }[who]
    response = client_for(world.users["owner"]).post(
        f"/api/v1/clubs/{world.club.pk}/transfer-ownership/", {"user_id": user_id}
    )
    assert response.status_code == 400
    assert {attr for attr, _ in error_codes(response)} == {"user_id"}
    world.club.refresh_from_db()
    assert world.club.owner_id == world.users["owner"].pk
