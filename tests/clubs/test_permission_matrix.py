"""Every role × every club action × public and private club → the status of the contract's table.

Adding a member is an invitation (202) for club moderators and admins and a direct add (201) only
for site admins (docs/clubs.md, "Getting into a club"); a private club is `invite` only, so even a
site admin's join is 403 (`invite_required`).

Roles: a signed-in outsider, club guest, member, moderator and admin, the owner, and a site admin
who is not a member. Member actions aim at an ordinary active member (`target`); add-member at a
user with no membership (`candidate`).
"""

from __future__ import annotations

import pytest

from clubs.models import ClubMember, ClubRole
from tests.clubs.conftest import ROLES, build_world
from tests.conftest import client_for

#                          outsider guest member moderator admin owner site_admin
PUBLIC_EXPECTED = {
    "retrieve":           (200,     200,  200,   200,      200,  200,  200),
    "update":             (403,     403,  403,   403,      200,  200,  200),
    "delete":             (403,     403,  403,   403,      403,  204,  204),
    "members_list":       (200,     200,  200,   200,      200,  200,  200),
    "member_get":         (200,     200,  200,   200,      200,  200,  200),
    "member_add":         (403,     403,  403,   202,      202,  202,  201),
    "member_add_admin":   (403,     403,  403,   403,      202,  202,  201),
    "member_role":        (403,     403,  403,   403,      200,  200,  200),
    "member_books":       (403,     403,  403,   403,      200,  200,  200),
    "member_deactivate":  (403,     403,  403,   200,      200,  200,  200),
    "member_remove":      (403,     403,  403,   204,      204,  204,  204),
    "join":               (201,     409,  409,   409,      409,  409,  201),
    "leave":              (403,     204,  204,   204,      204,  409,  403),
    "transfer":           (403,     403,  403,   403,      403,  200,  200),
}  # fmt: skip


def private_expected(action: str, role: str) -> int:
    """A private club is invisible to outsiders (404 on everything) and cannot be joined (403)."""
    if role == "outsider":
        return 404
    if action == "join" and role == "site_admin":
        return 403
    return PUBLIC_EXPECTED[action][ROLES.index(role)]


def perform(action: str, client, world):
    club = f"/api/v1/clubs/{world.club.pk}/"
    target = f"{club}members/{world.target.pk}/"
    return {
        "retrieve": lambda: client.get(club),
        "update": lambda: client.patch(club, {"name": "Renamed"}),
        "delete": lambda: client.delete(club),
        "members_list": lambda: client.get(f"{club}members/"),
        "member_get": lambda: client.get(target),
        "member_add": lambda: client.post(f"{club}members/", {"user_id": str(world.candidate.pk), "role": "member"}),
        "member_add_admin": lambda: client.post(
            f"{club}members/", {"user_id": str(world.candidate.pk), "role": "admin"}
        ),
        "member_role": lambda: client.patch(target, {"role": "moderator"}),
        "member_books": lambda: client.patch(target, {"books_read": 3}),
        "member_deactivate": lambda: client.patch(target, {"is_active": False}),
        "member_remove": lambda: client.delete(target),
        "join": lambda: client.post(f"{club}join/"),
        "leave": lambda: client.post(f"{club}leave/"),
        "transfer": lambda: client.post(f"{club}transfer-ownership/", {"user_id": str(world.target.pk)}),
    }[action]()


CASES = [
    pytest.param(action, role, is_public, id=f"{action}-{role}-{'public' if is_public else 'private'}")
    for action in PUBLIC_EXPECTED
    for role in ROLES
    for is_public in (True, False)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "role", "is_public"), CASES)
def test_permission_matrix(action, role, is_public):
    world = build_world(is_public=is_public)
    expected = PUBLIC_EXPECTED[action][ROLES.index(role)] if is_public else private_expected(action, role)
    before = set(ClubMember.objects.filter(club=world.club).values_list("user_id", "role", "is_active", "books_read"))

    response = perform(action, client_for(world.users[role]), world)

    assert response.status_code == expected, response.content
    if expected >= 400:
        body = response.json()
        assert body["type"] == "client_error"
        assert body["errors"][0]["code"] in {
            "permission_denied",
            "not_found",
            "already_member",
            "owner_cannot_leave",
            "invite_required",
        }
        # A refused request changes nothing.
        after = set(
            ClubMember.objects.filter(club=world.club).values_list("user_id", "role", "is_active", "books_read")
        )
        assert after == before
    if expected == 404:
        assert response.json() == {
            "type": "client_error",
            "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
        }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("is_public", [True, False])
def test_list_shows_a_club_exactly_to_those_who_may_see_it(role, is_public):
    world = build_world(is_public=is_public)
    response = client_for(world.users[role]).get("/api/v1/clubs/")
    assert response.status_code == 200
    ids = [club["id"] for club in response.json()["results"]]
    visible = is_public or role != "outsider"
    assert (str(world.club.pk) in ids) is visible
    if visible:
        (club,) = [c for c in response.json()["results"] if c["id"] == str(world.club.pk)]
        expected_role = {"owner": ClubRole.ADMIN, "outsider": None, "site_admin": None}.get(role, role)
        assert club["my_role"] == expected_role
        assert club["member_count"] == 6  # owner, admin, moderator, member, guest, target
