"""Capacity and uniqueness under real concurrency: threads race through the HTTP API against
PostgreSQL. Each thread uses its own database connection and closes it at the end."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from accounts.models import Role
from clubs.models import ClubMember, ClubRole
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls) -> list:
    """Run the zero-argument `calls` at the same moment, one thread each; return their responses."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # recorded, so that the test reports it instead of hanging
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(result, Exception) for result in results), results
    return results


def codes(responses) -> Counter:
    return Counter((r.status_code, r.json()["errors"][0]["code"] if r.status_code >= 400 else None) for r in responses)


def test_twenty_concurrent_joins_fill_a_club_of_five_exactly():
    club = ClubFactory(is_public=True, max_members=5)  # the owner holds one place
    clients = [client_for(UserFactory()) for _ in range(20)]
    url = f"/api/v1/clubs/{club.pk}/join/"

    responses = race([lambda c=c: c.post(url) for c in clients])

    assert codes(responses) == Counter({(201, None): 4, (409, "club_full"): 16})
    assert ClubMember.objects.filter(club=club, is_active=True).count() == 5
    detail = client_for(club.owner).get(f"/api/v1/clubs/{club.pk}/").json()
    assert detail["member_count"] == 5


def test_concurrent_adds_of_the_same_user_give_one_201_and_409s():
    """Staff add directly (club admins invite: tests/clubs/joining/test_races.py)."""
    club = ClubFactory(is_public=False)
    admin = client_for(UserFactory(role=Role.ADMIN))
    newcomer = UserFactory()
    url = f"/api/v1/clubs/{club.pk}/members/"

    responses = race([lambda: admin.post(url, {"user_id": str(newcomer.pk)}) for _ in range(20)])

    assert codes(responses) == Counter({(201, None): 1, (409, "already_member"): 19})
    assert ClubMember.objects.filter(club=club, user=newcomer).count() == 1


def test_one_user_joining_sixteen_times_at_once_joins_once():
    club = ClubFactory(is_public=True)
    user = UserFactory()
    ClubMemberFactory(club=club, user=user, is_active=False)  # a former member: re-joins reactivate
    client = client_for(user)

    responses = race([lambda: client.post(f"/api/v1/clubs/{club.pk}/join/") for _ in range(16)])

    assert codes(responses) == Counter({(201, None): 1, (409, "already_member"): 15})
    assert ClubMember.objects.get(club=club, user=user).is_active


def test_joins_adds_and_a_lowered_cap_racing_never_overfill():
    club = ClubFactory(is_public=True, max_members=10)
    admin_user = UserFactory(role=Role.ADMIN)  # a site admin (who adds directly) and a club admin
    ClubMemberFactory(club=club, user=admin_user, role=ClubRole.ADMIN)
    admin = client_for(admin_user)
    joiners = [client_for(UserFactory()) for _ in range(12)]
    added = [UserFactory() for _ in range(6)]
    base = f"/api/v1/clubs/{club.pk}/"

    calls = [lambda c=c: c.post(f"{base}join/") for c in joiners]
    calls += [lambda u=u: admin.post(f"{base}members/", {"user_id": str(u.pk)}) for u in added]
    calls.append(lambda: admin.patch(base, {"max_members": 4}))
    responses = race(calls)

    assert all(r.status_code in {200, 201, 400, 409} for r in responses), [r.status_code for r in responses]
    club.refresh_from_db()
    active = ClubMember.objects.filter(club=club, is_active=True).count()
    assert active <= club.max_members
    successes = sum(r.status_code == 201 for r in responses)
    assert active == 2 + successes  # owner and admin, plus every 201
