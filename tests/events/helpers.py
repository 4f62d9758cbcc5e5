"""Builders shared by the events tests: a club with one user of every role."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Role
from clubs.models import Club, ClubRole
from events.models import Event
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, UserFactory

ROLES = ("outsider", "guest", "member", "moderator", "admin", "site_admin")


@dataclass
class World:
    club: Club
    event: Event
    users: dict

    def client(self, role):
        return client_for(self.users[role])


def make_world(*, club_public: bool = True, event_public: bool = True, **event_fields) -> World:
    club = ClubFactory(is_public=club_public, timezone=event_fields.pop("timezone", "UTC"))
    users = {
        "outsider": UserFactory(),
        "site_admin": UserFactory(role=Role.ADMIN),
        "admin": club.owner,
    }
    for role in (ClubRole.GUEST, ClubRole.MEMBER, ClubRole.MODERATOR):
        users[str(role)] = ClubMemberFactory(club=club, role=role).user
    event = EventFactory(club=club, is_public=event_public, **event_fields)
    return World(club=club, event=event, users=users)


def error_codes(response) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]


def error_attrs(response) -> list[str | None]:
    return [error["attr"] for error in response.json()["errors"]]
