"""Conditional GET of a club's activity: every tracked change of the club, its memberships, its
events and their RSVPs and items changes the tag; so does pruning the history and a staff
member's new name; 403 and 404 before any 304."""

from __future__ import annotations

import datetime as dt

import pghistory
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Role, User
from audit.services import history_prune
from clubs.models import Club, ClubRole
from events.models import Event
from tests.conditional_helpers import changed, refused, tag_of, unchanged
from tests.conftest import client_for
from tests.factories import AvailabilityFactory, ClubFactory, ClubMemberFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def _activity(club) -> str:
    return f"/api/v1/clubs/{club.pk}/activity/"


def test_activity_changes_with_the_clubs_changes_only():
    club = ClubFactory()
    event = EventFactory(club=club)
    client = client_for(club.owner)
    path = _activity(club)
    tag = tag_of(client, path)
    EventFactory(club=ClubFactory())
    unchanged(client, path, tag)
    AvailabilityFactory(event=event, user=UserFactory())
    tag = changed(client, path, tag)["ETag"]
    ClubMemberFactory(club=club)
    tag = changed(client, path, tag)["ETag"]
    Event.objects.filter(pk=event.pk).delete()
    tag = changed(client, path, tag)["ETag"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE clubs SET name = 'plain SQL' WHERE id = %s", [club.pk])
    changed(client, path, tag)


def test_pruning_and_staff_names_change_the_activity():
    club = ClubFactory()
    EventFactory(club=club)
    staff = UserFactory(role=Role.ADMIN)
    client = client_for(club.owner)
    path = _activity(club)
    tag = tag_of(client, path)
    history_prune(cutoff=timezone.now() + dt.timedelta(days=1))
    tag = changed(client, path, tag)["ETag"]
    User.objects.filter(pk=staff.pk).update(name="Staff renamed")
    tag = changed(client, path, tag)["ETag"]
    User.objects.filter(pk=UserFactory().pk).update(name="Nobody here")  # neither staff nor in the club
    unchanged(client, path, tag)


def test_an_actor_outside_the_club_renamed_changes_the_activity():
    """The page shows its actors' current names: one who is neither a member, nor staff, nor in
    the club's events (here a change made in their name by a command) moves the tag when renamed."""
    club = ClubFactory()
    outsider = UserFactory(name="Before")
    with pghistory.context(user=str(outsider.pk)):
        Club.objects.filter(pk=club.pk).update(description="changed on their behalf")
    client = client_for(club.owner)
    path = _activity(club)
    tag = tag_of(client, path)
    assert "Before" in str(client.get(path).json())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE users SET name = 'After' WHERE id = %s", [outsider.pk])
    assert "After" in str(changed(client, path, tag).json())


def test_activity_stays_403_for_moderators_and_404_for_outsiders():
    club = ClubFactory(is_public=False)
    moderator = ClubMemberFactory(club=club, role=ClubRole.MODERATOR)
    tag = tag_of(client_for(club.owner), _activity(club))
    refused(client_for(moderator.user), _activity(club), tag, 403)
    refused(client_for(UserFactory()), _activity(club), tag, 404)
