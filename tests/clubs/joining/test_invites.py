"""Invites over HTTP: create (defaults and limits), the code, preview, accept, revoke, the one
404 for every unusable code, the notification and the email to an address with no account."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from clubs.joining.invites import invite_code_new
from clubs.joining.models import Invite
from clubs.joining.tasks import invite_email_send
from clubs.models import ClubMember
from notifications.models import Notification
from tests.clubs.conftest import build_world
from tests.clubs.joining.helpers import NOT_FOUND, error_codes, make_invite
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INVITE_FIELDS = {
    "id", "club", "code", "url", "email", "user", "role", "max_uses", "uses", "expires_at", "created_by",
    "created_at", "revoked",
}  # fmt: skip


@pytest.fixture
def world():
    return build_world(is_public=False)


def test_a_link_invite_has_the_contract_fields_and_defaults(world, settings):
    settings.PUBLIC_URL = "https://books.example.org"
    before = timezone.now()
    invite = make_invite(world.club, world.users["moderator"])
    assert set(invite) == INVITE_FIELDS
    assert (invite["role"], invite["max_uses"], invite["uses"], invite["email"], invite["revoked"]) == (
        "member",
        10,
        0,
        None,
        False,
    )
    assert invite["url"] == f"https://books.example.org/invites/{invite['code']}/"
    expires = dt.datetime.fromisoformat(invite["expires_at"])
    assert dt.timedelta(days=7) <= expires - before <= dt.timedelta(days=7, minutes=1)
    assert invite["created_by"] == str(world.users["moderator"].pk)


def test_codes_carry_at_least_128_random_bits():
    codes = {invite_code_new() for _ in range(200)}
    assert len(codes) == 200
    # token_urlsafe: 6 bits per character; 43 characters are 256 bits.
    assert all(len(code) >= 22 for code in codes) and min(len(code) for code in codes) >= 43


def test_an_email_invite_is_single_use_by_default_and_limits_are_checked(world):
    admin = world.users["admin"]
    invite = make_invite(world.club, admin, email="Someone@Example.COM", role="moderator", expires_in_hours=720)
    assert (invite["email"], invite["max_uses"], invite["role"]) == ("someone@example.com", 1, "moderator")
    url = f"/api/v1/clubs/{world.club.pk}/invites/"
    client = client_for(admin)
    for body, expected in [
        ({"expires_in_hours": 721}, {("expires_in_hours", "max_value")}),
        ({"expires_in_hours": 0}, {("expires_in_hours", "min_value")}),
        ({"max_uses": 0}, {("max_uses", "min_value")}),
        ({"email": "a@example.com", "max_uses": 5}, {("max_uses", "personal_invite")}),
        ({"role": "owner"}, {("role", "invalid_choice")}),
        ({"email": "not an email"}, {("email", "invalid")}),
    ]:
        response = client.post(url, body)
        assert response.status_code == 400, (body, response.content)
        assert error_codes(response) == expected


def test_moderators_invite_members_and_guests_only(world):
    url = f"/api/v1/clubs/{world.club.pk}/invites/"
    moderator = client_for(world.users["moderator"])
    assert moderator.post(url, {"role": "guest"}).status_code == 201
    for role in ("moderator", "admin"):
        response = moderator.post(url, {"role": role})
        assert response.status_code == 403
    assert client_for(world.users["admin"]).post(url, {"role": "admin"}).status_code == 201


def test_preview_then_accept(world):
    invite = make_invite(world.club, world.users["admin"], role="guest", max_uses=2)
    newcomer = UserFactory()
    client = client_for(newcomer)
    preview = client.get(f"/api/v1/invites/{invite['code']}/")
    assert preview.status_code == 200
    body = preview.json()
    assert body["club"] == {
        "id": str(world.club.pk),
        "name": world.club.name,
        "description": world.club.description,
        "is_public": False,
        "member_count": 6,
        "max_members": None,
    }
    assert body["role"] == "guest" and body["invited_by"] == {
        "id": str(world.users["admin"].pk),
        "name": world.users["admin"].name,
    }
    accepted = client.post(f"/api/v1/invites/{invite['code']}/accept/")
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["role"] == "guest" and accepted.json()["user"]["id"] == str(newcomer.pk)
    assert Invite.objects.get(pk=invite["id"]).uses == 1
    again = client.post(f"/api/v1/invites/{invite['code']}/accept/")
    assert again.status_code == 409 and error_codes(again) == {(None, "already_member")}
    assert Invite.objects.get(pk=invite["id"]).uses == 1  # a refused accept uses nothing
    # The club is now visible to the new member.
    assert client.get(f"/api/v1/clubs/{world.club.pk}/").json()["my_role"] == "guest"


def test_accept_when_full_is_409(db):
    world = build_world(is_public=False, max_members=6)
    invite = make_invite(world.club, world.users["admin"])
    response = client_for(UserFactory()).post(f"/api/v1/invites/{invite['code']}/accept/")
    assert response.status_code == 409 and error_codes(response) == {(None, "club_full")}
    assert Invite.objects.get(pk=invite["id"]).uses == 0


def _unusable_codes(world) -> dict[str, str]:
    admin = world.users["admin"]
    expired = make_invite(world.club, admin)
    Invite.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    revoked = make_invite(world.club, admin)
    Invite.objects.filter(pk=revoked["id"]).update(revoked=True)
    used_up = make_invite(world.club, admin, max_uses=1)
    Invite.objects.filter(pk=used_up["id"]).update(uses=1)
    someone_elses = make_invite(world.club, admin, email="someone.else@example.com")
    return {
        "unknown": invite_code_new(),
        "malformed": "x" * 300,
        "expired": expired["code"],
        "revoked": revoked["code"],
        "used_up": used_up["code"],
        "someone_elses": someone_elses["code"],
    }


def test_every_unusable_code_answers_the_same_404(world):
    client = client_for(UserFactory())
    for name, code in _unusable_codes(world).items():
        for response in (client.get(f"/api/v1/invites/{code}/"), client.post(f"/api/v1/invites/{code}/accept/")):
            assert response.status_code == 404, name
            assert response.json() == NOT_FOUND, name
    assert not ClubMember.objects.filter(club=world.club, user__email__startswith="someone").exists()


def test_an_email_invite_is_for_that_account_alone_case_insensitively(world):
    invite = make_invite(world.club, world.users["admin"], email="Mary.Ann@Example.com")
    intruder = client_for(UserFactory())
    assert intruder.post(f"/api/v1/invites/{invite['code']}/accept/").status_code == 404
    owner_of_address = UserFactory(email="mary.ann@example.com")
    response = client_for(owner_of_address).post(f"/api/v1/invites/{invite['code']}/accept/")
    assert response.status_code == 201


def test_list_and_revoke(world):
    moderator = client_for(world.users["moderator"])
    link = make_invite(world.club, world.users["moderator"])
    admin_invite = make_invite(world.club, world.users["admin"], role="admin")
    listed = moderator.get(f"/api/v1/clubs/{world.club.pk}/invites/").json()
    assert listed["count"] == 2 and [i["id"] for i in listed["results"]] == [admin_invite["id"], link["id"]]
    # A moderator may not revoke what they may not grant; a club admin may.
    base = f"/api/v1/clubs/{world.club.pk}/invites/"
    assert moderator.delete(f"{base}{admin_invite['id']}/").status_code == 403
    assert moderator.delete(f"{base}{link['id']}/").status_code == 204
    assert moderator.delete(f"{base}{link['id']}/").status_code == 204  # again: nothing changes
    assert Invite.objects.get(pk=link["id"]).revoked
    assert client_for(UserFactory()).get(f"/api/v1/invites/{link['code']}/").status_code == 404
    assert moderator.delete(f"{base}{invite_code_new()}/").status_code == 404


def test_a_registered_invitee_gets_a_notification_with_the_link(world, settings):
    settings.PUBLIC_URL = "https://books.example.org"
    invitee = UserFactory(email="invitee@example.com")
    invite = make_invite(world.club, world.users["admin"], email="INVITEE@example.com")
    notification = Notification.objects.get(user=invitee, kind="club_invite")
    assert notification.title == f"{world.users['admin'].name} invited you to {world.club.name}"
    assert notification.data["code"] == invite["code"]
    assert notification.data["url"] == f"https://books.example.org/invites/{invite['code']}/"
    # A link names nobody and tells nobody.
    make_invite(world.club, world.users["admin"])
    assert Notification.objects.filter(kind="club_invite").count() == 1


def _invite_email_jobs() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT args->>'invite_id' FROM procrastinate_jobs WHERE task_name = 'joining.send_invite_email'"
        )
        return [row[0] for row in cursor.fetchall()]


def test_an_address_with_no_account_gets_an_email_once_and_registering_lets_them_join(world, settings):
    settings.EMAIL_ENABLED = True
    settings.PUBLIC_URL = "https://books.example.org"
    invite = make_invite(world.club, world.users["admin"], email="new.reader@example.com")
    assert _invite_email_jobs() == [invite["id"]]
    assert not Notification.objects.filter(kind="club_invite").exists()

    assert invite_email_send(invite_id=invite["id"]) == "sent"
    assert invite_email_send(invite_id=invite["id"]) == "already_sent"
    (message,) = mail.outbox
    assert message.to == ["new.reader@example.com"]
    assert f"https://books.example.org/invites/{invite['code']}/" in message.body

    registered = client_for(UserFactory(email="new.reader@example.com"))
    assert registered.post(f"/api/v1/invites/{invite['code']}/accept/").status_code == 201


def test_no_invite_email_job_when_email_is_off(world, settings):
    settings.EMAIL_ENABLED = False
    make_invite(world.club, world.users["admin"], email="new.reader@example.com")
    assert _invite_email_jobs() == []


def test_the_database_keeps_uses_within_max_uses(world):
    from django.db import IntegrityError, transaction

    invite = make_invite(world.club, world.users["admin"], max_uses=2)
    Invite.objects.filter(pk=invite["id"]).update(uses=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invite.objects.filter(pk=invite["id"]).update(uses=3)
