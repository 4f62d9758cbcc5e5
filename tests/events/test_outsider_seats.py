"""No seat stays with someone who can no longer see the event (issue 11).

A non-member takes the only seat of a public event of a public club; a member waits. When the
event or the club stops being public, the outsider's RSVP is released in the same transaction and
the member promoted; moderators and admins can clear any RSVP of their event."""

from __future__ import annotations

from functools import partial

import pytest
from drf_spectacular.generators import SchemaGenerator

from clubs.models import ClubRole
from events.availability.models import Availability
from events.models import Event
from tests.clubs.test_concurrency import race
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, UserFactory


def _world():
    club = ClubFactory(is_public=True)
    event = EventFactory(club=club, is_public=True, max_attendees=1)
    outsider, member, moderator = UserFactory(), UserFactory(), UserFactory()
    ClubMemberFactory(club=club, user=member, role=ClubRole.MEMBER)
    ClubMemberFactory(club=club, user=moderator, role=ClubRole.MODERATOR)
    me = f"/api/v1/events/{event.pk}/availability/me/"
    assert client_for(outsider).put(me, {"status": "available"}, format="json").status_code == 201
    assert client_for(member).put(me, {"status": "available"}, format="json").json()["waitlisted"] is True
    return club, event, outsider, member, moderator


def _assert_member_seated_outsider_gone(event, outsider, member):
    event.refresh_from_db()
    assert not Availability.objects.filter(event=event, user=outsider).exists()
    seat = Availability.objects.get(event=event, user=member)
    assert (seat.waitlisted, seat.waitlist_position) == (False, None)
    assert event.attendees == [member.pk]


@pytest.mark.django_db
def test_event_turning_private_releases_the_outsiders_seat_and_promotes():
    club, event, outsider, member, _ = _world()
    response = client_for(club.owner).patch(f"/api/v1/events/{event.pk}/", {"is_public": False}, format="json")
    assert response.status_code == 200
    assert response.json()["attendee_count"] == 1
    _assert_member_seated_outsider_gone(event, outsider, member)


@pytest.mark.django_db
def test_club_turning_private_releases_the_outsiders_seat_and_promotes():
    club, event, outsider, member, _ = _world()
    assert (
        client_for(club.owner).patch(f"/api/v1/clubs/{club.pk}/", {"is_public": False}, format="json").status_code
        == 200
    )
    _assert_member_seated_outsider_gone(event, outsider, member)


@pytest.mark.django_db
def test_site_admins_and_members_keep_their_rsvps_when_the_event_turns_private():
    club, event, _, member, _ = _world()
    admin = UserFactory(role="admin")
    client_for(admin).put(f"/api/v1/events/{event.pk}/availability/me/", {"status": "maybe"}, format="json")
    client_for(club.owner).patch(f"/api/v1/events/{event.pk}/", {"is_public": False}, format="json")
    assert set(Availability.objects.filter(event=event).values_list("user_id", flat=True)) == {member.pk, admin.pk}


@pytest.mark.django_db
def test_moderators_clear_any_rsvp_of_their_event():
    _, event, outsider, member, moderator = _world()
    url = f"/api/v1/events/{event.pk}/availability/{outsider.pk}/"
    assert client_for(member).delete(url).status_code == 403
    assert client_for(moderator).delete(url).status_code == 204
    _assert_member_seated_outsider_gone(event, outsider, member)
    assert client_for(moderator).delete(url).status_code == 404  # nothing left to clear
    assert client_for(moderator).delete(f"/api/v1/events/{event.pk}/availability/not-a-uuid/").status_code == 404
    other_event = EventFactory(is_public=True)
    other = f"/api/v1/events/{other_event.pk}/availability/{member.pk}/"
    assert client_for(moderator).delete(other).status_code == 403  # visible, but not their club


def test_the_clear_endpoint_is_in_the_schema():
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"][
        "/api/v1/events/{event_id}/availability/{user_id}/"
    ]["delete"]
    assert operation["operationId"] == "events_availability_member_destroy"
    assert {"204", "403", "404"} <= set(operation["responses"])


@pytest.mark.django_db(transaction=True)
def test_outsider_rsvps_racing_the_club_turning_private_leave_no_outsider_seat():
    """20 rounds: three outsiders RSVP while the owner makes the club private. Whatever the order,
    no outsider keeps an RSVP afterwards (the RSVP re-checks `is_public` under the event lock)."""
    leftovers = []
    for _ in range(20):
        club = ClubFactory(is_public=True)
        event = EventFactory(club=club, is_public=True, max_attendees=1)
        me = f"/api/v1/events/{event.pk}/availability/me/"
        outsiders = [client_for(UserFactory()) for _ in range(3)]
        calls = [partial(c.put, me, {"status": "available"}, format="json") for c in outsiders]
        calls.append(
            partial(client_for(club.owner).patch, f"/api/v1/clubs/{club.pk}/", {"is_public": False}, format="json")
        )
        answers = race(calls)
        assert all(r.status_code < 500 for r in answers), [r.status_code for r in answers]
        left = Availability.objects.filter(event=event).count()
        if left or Event.objects.get(pk=event.pk).attendees:
            leftovers.append(left)
    assert not leftovers, f"{len(leftovers)} of 20 rounds left an outsider's RSVP: {leftovers}"
