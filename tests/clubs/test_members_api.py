"""Members of a club over HTTP: contacts, add, update, remove, join, leave, transfer (split from test_api.py)."""

from __future__ import annotations

import uuid

import pytest

from clubs.models import ClubMember, ClubRole
from tests.clubs.conftest import build_world
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

NOT_FOUND = {"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}]}
CLUB_FIELDS = {
    "id", "name", "description", "owner", "is_public", "join_policy", "max_members", "meeting_frequency", "current_book",
    "location", "tags", "timezone", "member_count", "my_role", "created_at", "updated_at",
}  # fmt: skip


def error_codes(response) -> set[tuple[str | None, str]]:
    return {(error["attr"], error["code"]) for error in response.json()["errors"]}


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


def test_site_admin_adds_by_email_case_insensitively_and_by_id(public_world):
    """Staff still add directly (201 and the membership); club moderators invite instead
    (tests/clubs/joining/test_member_invites.py)."""
    world = public_world
    client = client_for(world.users["site_admin"])
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
        ({"user_id": "not-a-uuid"}, {("user_id", "invalid")}),
        ({"email": "not an email"}, {("email", "invalid")}),
        ({}, {("user_id", "user_id_or_email")}),
        ({"role": "owner", "user_id": str(uuid.uuid4())}, {("role", "invalid_choice")}),
    ],
)
def test_add_member_bad_input_is_400_never_500(public_world, body, expected):
    response = client_for(public_world.users["site_admin"]).post(f"/api/v1/clubs/{public_world.club.pk}/members/", body)
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


def test_site_admin_add_of_unknown_email_is_400(public_world):
    """A club admin's invite may name an address with no account (it goes by email); a direct
    add by staff needs an account."""
    response = client_for(public_world.users["site_admin"]).post(
        f"/api/v1/clubs/{public_world.club.pk}/members/", {"email": "nobody@example.com"}
    )
    assert response.status_code == 400
    assert error_codes(response) == {("email", "does_not_exist")}


def test_add_existing_member_is_409_and_former_member_is_reinstated(public_world):
    world = public_world
    client = client_for(world.users["site_admin"])
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
    response = client_for(world.users["site_admin"]).post(
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


def test_only_site_admins_reinstate_through_patch(public_world):
    """Consent: a removed member is not brought back without acting themselves (they join again
    or accept an invite); club admins get 403, staff reinstate directly."""
    world = public_world
    target_url = f"/api/v1/clubs/{world.club.pk}/members/{world.target.pk}/"
    assert client_for(world.users["admin"]).patch(target_url, {"is_active": False}).status_code == 200
    for role in ("moderator", "admin", "owner"):
        assert client_for(world.users[role]).patch(target_url, {"is_active": True}).status_code == 403
    assert not ClubMember.objects.get(club=world.club, user=world.target).is_active
    response = client_for(world.users["site_admin"]).patch(target_url, {"is_active": True})
    assert response.status_code == 200 and response.json()["is_active"] is True


def test_reinstating_through_patch_respects_capacity(db):
    world = build_world(is_public=True, max_members=6)
    admin = client_for(world.users["site_admin"])
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
