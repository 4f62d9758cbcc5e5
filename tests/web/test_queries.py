"""The two hot pages read a bounded number of queries, whatever the number of RSVPs and items
(the bench's "member home page" and "meeting page" scenarios measure their time)."""

from __future__ import annotations

import pytest
from django.test import Client

from events.availability.services import availability_set
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, EventItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_meeting_page_queries_do_not_grow_with_rsvps_and_items(django_assert_max_num_queries):
    club = ClubFactory()
    member = ClubMemberFactory(club=club).user
    event = EventFactory(club=club, max_attendees=3)
    for _ in range(8):
        other = ClubMemberFactory(club=club).user
        availability_set(event_id=event.pk, user=other, status="available")
        EventItemFactory(event=event, assigned_to=other)
    client = Client()
    client.force_login(member)
    # session, user, event with club/role/RSVP, counts, RSVP rows, items with assignees
    with django_assert_max_num_queries(6):
        response = client.get(f"/meetings/{event.pk}/")
    assert response.status_code == 200
    assert "5 waiting" in response.text


def test_home_page_queries_grow_only_with_my_clubs(django_assert_max_num_queries):
    user = UserFactory()
    for _ in range(3):
        club = ClubMemberFactory(user=user, club=ClubFactory()).club
        for _ in range(4):
            EventFactory(club=club)
    client = Client()
    client.force_login(user)
    # session, user, my clubs, then one read of upcoming meetings per club
    with django_assert_max_num_queries(3 + 3):
        response = client.get("/")
    assert response.status_code == 200
