"""Every role × every getting-into-a-club endpoint × public and private club → the status of
the contract (docs/clubs.md, "Getting into a club").

Roles: a signed-in outsider, club guest, member, moderator and admin, the owner, and a site admin
who is not a member. The public club takes join requests (`approval`); the private one is
`invite` only. `request` is a pending join request of another user; `invite` a link invite as
`member` made by the owner; `admin_invite` one as `admin`.
"""

from __future__ import annotations

import pytest

from clubs.joining.models import Invite, JoinRequest
from clubs.models import ClubMember
from tests.clubs.conftest import ROLES, build_world
from tests.clubs.joining.helpers import NOT_FOUND
from tests.conftest import client_for
from tests.factories import UserFactory

#                          outsider guest member moderator admin owner site_admin
PUBLIC_EXPECTED = {
    "join":               (202,     409,  409,   409,      409,  409,  202),
    "requests_list":      (403,     403,  403,   200,      200,  200,  200),
    "request_approve":    (403,     403,  403,   200,      200,  200,  200),
    "request_decline":    (403,     403,  403,   200,      200,  200,  200),
    "request_withdraw":   (404,     404,  404,   404,      404,  404,  404),  # someone else's
    "my_requests":        (200,     200,  200,   200,      200,  200,  200),
    "invites_list":       (403,     403,  403,   200,      200,  200,  200),
    "invite_create":      (403,     403,  403,   201,      201,  201,  201),
    "invite_create_admin":(403,     403,  403,   403,      201,  201,  201),
    "invite_revoke":      (403,     403,  403,   204,      204,  204,  204),
    "admin_invite_revoke":(403,     403,  403,   403,      204,  204,  204),
    "invite_preview":     (200,     200,  200,   200,      200,  200,  200),
    "invite_accept":      (201,     409,  409,   409,      409,  409,  201),
    "member_invite":      (403,     403,  403,   202,      202,  202,  201),
}  # fmt: skip

# Outside the club's visibility: what a code holder or a requester may do regardless.
NOT_CLUB_SCOPED = {"request_withdraw", "my_requests", "invite_preview", "invite_accept"}


def expected_status(action: str, role: str, is_public: bool) -> int:
    status = PUBLIC_EXPECTED[action][ROLES.index(role)]
    if is_public or action in NOT_CLUB_SCOPED:
        return status
    if role == "outsider":
        return 404  # a private club is hidden from outsiders
    if action == "join" and role == "site_admin":
        return 403  # private clubs are invite-only (`invite_required`)
    return status


def setup(world):
    requester = UserFactory(name="Requester")
    request = JoinRequest.objects.create(club=world.club, user=requester, message="please")
    invite = Invite.objects.create(
        club=world.club, code="c" * 43, role="member", max_uses=10, expires_at="2999-01-01T00:00:00Z"
    )
    admin_invite = Invite.objects.create(
        club=world.club, code="a" * 43, role="admin", max_uses=10, expires_at="2999-01-01T00:00:00Z"
    )
    return request, invite, admin_invite


def perform(action: str, client, world, request, invite, admin_invite):
    club = f"/api/v1/clubs/{world.club.pk}/"
    return {
        "join": lambda: client.post(f"{club}join/"),
        "requests_list": lambda: client.get(f"{club}join-requests/"),
        "request_approve": lambda: client.post(f"{club}join-requests/{request.pk}/approve/"),
        "request_decline": lambda: client.post(f"{club}join-requests/{request.pk}/decline/"),
        "request_withdraw": lambda: client.delete(f"/api/v1/join-requests/{request.pk}/"),
        "my_requests": lambda: client.get("/api/v1/join-requests/"),
        "invites_list": lambda: client.get(f"{club}invites/"),
        "invite_create": lambda: client.post(f"{club}invites/", {"role": "member"}),
        "invite_create_admin": lambda: client.post(f"{club}invites/", {"role": "admin"}),
        "invite_revoke": lambda: client.delete(f"{club}invites/{invite.pk}/"),
        "admin_invite_revoke": lambda: client.delete(f"{club}invites/{admin_invite.pk}/"),
        "invite_preview": lambda: client.get(f"/api/v1/invites/{invite.code}/"),
        "invite_accept": lambda: client.post(f"/api/v1/invites/{invite.code}/accept/"),
        "member_invite": lambda: client.post(f"{club}members/", {"user_id": str(world.candidate.pk)}),
    }[action]()


def state(world):
    return (
        set(ClubMember.objects.filter(club=world.club).values_list("user_id", "role", "is_active")),
        set(JoinRequest.objects.filter(club=world.club).values_list("id", "status")),
        set(Invite.objects.filter(club=world.club).values_list("id", "uses", "revoked")),
    )


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
    if is_public:
        world.club.join_policy = "approval"
        world.club.save(update_fields=["join_policy"])
    request, invite, admin_invite = setup(world)
    before = state(world)

    response = perform(action, client_for(world.users[role]), world, request, invite, admin_invite)

    expected = expected_status(action, role, is_public)
    assert response.status_code == expected, response.content
    if expected >= 400:
        body = response.json()
        assert body["type"] == "client_error"
        assert body["errors"][0]["code"] in {"permission_denied", "not_found", "already_member", "invite_required"}
        assert state(world) == before  # a refused request changes nothing
    if expected == 404:
        assert response.json() == NOT_FOUND
