"""Fixtures of the clubs tests: a club with one user per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Role
from clubs.models import Club, ClubRole
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

ROLES = ("outsider", "guest", "member", "moderator", "admin", "owner", "site_admin")


@dataclass
class ClubWorld:
    club: Club
    users: dict  # role name -> user
    target: object  # an active plain member that member actions aim at
    candidate: object  # a signed-in user with no membership, to be added


def build_world(*, is_public: bool, max_members: int | None = None) -> ClubWorld:
    owner = UserFactory(name="Owner")
    club = ClubFactory(owner=owner, is_public=is_public, max_members=max_members)
    users = {"owner": owner}
    for role in (ClubRole.ADMIN, ClubRole.MODERATOR, ClubRole.MEMBER, ClubRole.GUEST):
        users[str(role)] = ClubMemberFactory(club=club, role=role, user=UserFactory(name=f"Club {role}")).user
    users["outsider"] = UserFactory(name="Outsider")
    users["site_admin"] = UserFactory(name="Site admin", role=Role.ADMIN)
    target = ClubMemberFactory(club=club, role=ClubRole.MEMBER, user=UserFactory(name="Target")).user
    return ClubWorld(club=club, users=users, target=target, candidate=UserFactory(name="Candidate"))


@pytest.fixture
def public_world(db) -> ClubWorld:
    return build_world(is_public=True)


@pytest.fixture
def private_world(db) -> ClubWorld:
    return build_world(is_public=False)
