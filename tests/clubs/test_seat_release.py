"""Leaving or being removed from a club frees the member's seats in the club's upcoming events,
in the same transaction, and promotes the next in line."""

from __future__ import annotations

import pytest

from events.availability.models import Availability, RsvpStatus
from events.availability.services import availability_set
from tests.clubs.conftest import build_world
from tests.conftest import client_for
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def seat_two(world):
    """An upcoming one-seat event: the target holds the seat, the member waits."""
    event = EventFactory(club=world.club, max_attendees=1)
    availability_set(event_id=event.pk, user=world.target, status=RsvpStatus.AVAILABLE)
    availability_set(event_id=event.pk, user=world.users["member"], status=RsvpStatus.AVAILABLE)
    event.refresh_from_db()
    assert event.attendees == [world.target.pk]
    return event


@pytest.mark.parametrize("how", ["leave", "delete", "deactivate"])
def test_leaving_or_removal_releases_the_seat_and_promotes_the_next(how):
    world = build_world(is_public=False)
    event = seat_two(world)
    club_url = f"/api/v1/clubs/{world.club.pk}/"
    member_url = f"{club_url}members/{world.target.pk}/"
    response = {
        "leave": lambda: client_for(world.target).post(f"{club_url}leave/"),
        "delete": lambda: client_for(world.users["moderator"]).delete(member_url),
        "deactivate": lambda: client_for(world.users["admin"]).patch(member_url, {"is_active": False}),
    }[how]()
    assert response.status_code in {200, 204}, response.content

    event.refresh_from_db()
    assert event.attendees == [world.users["member"].pk]
    assert not Availability.objects.filter(event=event, user=world.target).exists()
    promoted = Availability.objects.get(event=event, user=world.users["member"])
    assert (promoted.waitlisted, promoted.waitlist_position) == (False, None)


def test_refused_removal_keeps_the_seat():
    world = build_world(is_public=False)
    event = seat_two(world)
    response = client_for(world.users["member"]).delete(f"/api/v1/clubs/{world.club.pk}/members/{world.target.pk}/")
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.attendees == [world.target.pk]
