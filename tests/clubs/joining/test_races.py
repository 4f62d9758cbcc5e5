"""Capacity and uniqueness of getting into a club under real concurrency (threads through the
HTTP API against PostgreSQL, each on its own connection)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from clubs.joining.models import Invite, JoinRequest
from clubs.models import ClubMember, ClubRole
from tests.clubs.test_concurrency import codes, race
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _link(club, *, max_uses: int) -> Invite:
    return Invite.objects.create(
        club=club,
        code=f"race-{club.pk.hex}-{max_uses}",
        role=ClubRole.MEMBER,
        max_uses=max_uses,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )


def test_sixteen_approvals_and_accepts_never_overfill_the_club():
    club = ClubFactory(is_public=True, join_policy="approval", max_members=5)
    admin_user = UserFactory()
    ClubMemberFactory(club=club, user=admin_user, role=ClubRole.ADMIN)  # owner + admin: 3 places left
    admin = client_for(admin_user)
    requests = [JoinRequest.objects.create(club=club, user=UserFactory()) for _ in range(8)]
    invite = _link(club, max_uses=100)
    acceptors = [client_for(UserFactory()) for _ in range(8)]
    base = f"/api/v1/clubs/{club.pk}/join-requests/"

    calls = [lambda r=r: admin.post(f"{base}{r.pk}/approve/") for r in requests]
    calls += [lambda c=c: c.post(f"/api/v1/invites/{invite.code}/accept/") for c in acceptors]
    responses = race(calls)

    outcome = codes(responses)
    assert outcome[(409, "club_full")] == 13, outcome
    assert outcome[(200, None)] + outcome[(201, None)] == 3, outcome
    assert ClubMember.objects.filter(club=club, is_active=True).count() == 5
    approved = JoinRequest.objects.filter(club=club, status="approved").count()
    invite.refresh_from_db()
    assert approved == outcome[(200, None)] and invite.uses == outcome[(201, None)]
    assert JoinRequest.objects.filter(club=club, status="pending").count() == 8 - approved


def test_twenty_accepts_of_a_three_use_link_admit_exactly_three():
    club = ClubFactory(is_public=False)
    invite = _link(club, max_uses=3)
    clients = [client_for(UserFactory()) for _ in range(20)]

    responses = race([lambda c=c: c.post(f"/api/v1/invites/{invite.code}/accept/") for c in clients])

    assert codes(responses) == Counter({(201, None): 3, (404, "not_found"): 17})
    invite.refresh_from_db()
    assert invite.uses == 3
    assert ClubMember.objects.filter(club=club, is_active=True).count() == 4  # the owner and three


def test_twenty_join_requests_of_one_user_make_one_row():
    club = ClubFactory(is_public=True, join_policy="approval")
    client = client_for(UserFactory())

    responses = race([lambda: client.post(f"/api/v1/clubs/{club.pk}/join/", {"message": "hi"}) for _ in range(20)])

    assert codes(responses) == Counter({(202, None): 1, (200, None): 19})
    assert len({r.json()["id"] for r in responses}) == 1
    assert JoinRequest.objects.filter(club=club).count() == 1


def test_twenty_invites_of_one_person_make_one_invite():
    club = ClubFactory(is_public=False)
    admin = client_for(club.owner)
    person = UserFactory()
    url = f"/api/v1/clubs/{club.pk}/members/"

    responses = race([lambda: admin.post(url, {"user_id": str(person.pk)}) for _ in range(20)])

    assert codes(responses) == Counter({(202, None): 1, (200, None): 19})
    assert Invite.objects.filter(club=club, user=person).count() == 1
