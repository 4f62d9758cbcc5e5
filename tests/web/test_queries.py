"""The two hot pages read a bounded number of queries, whatever the number of RSVPs, items and
clubs (the bench's "member home page" and "meeting page" scenarios measure their time): the
session row comes with its user (web/sessions.py, web.middleware.AuthenticationMiddleware), the
meeting's RSVP counts with its RSVP rows (events.availability.selectors), its items with their
assignees (events.items.selectors)."""

from __future__ import annotations

import pytest
from django.test import Client

from events.availability.selectors import AvailabilityRows, availability_counts, availability_counts_and_rows
from events.availability.services import availability_set
from events.items.selectors import item_list, item_list_with_assignees
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, EventItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _meeting(rsvps: int, seats: int = 3):
    club = ClubFactory()
    member = ClubMemberFactory(club=club).user
    event = EventFactory(club=club, max_attendees=seats)
    for _ in range(rsvps):
        other = ClubMemberFactory(club=club).user
        availability_set(event_id=event.pk, user=other, status="available")
        EventItemFactory(event=event, assigned_to=other)
    return event, member


@pytest.mark.parametrize("rsvps", [0, 8])
def test_meeting_page_reads_four_queries_whatever_its_rsvps_and_items(rsvps, django_assert_num_queries):
    event, member = _meeting(rsvps)
    client = Client()
    client.force_login(member)
    # session with its user, event with club/role/my RSVP, RSVP counts with rows, items with assignees
    with django_assert_num_queries(4):
        response = client.get(f"/meetings/{event.pk}/")
    assert response.status_code == 200
    assert f"{max(0, rsvps - 3)} waiting" in response.text


@pytest.mark.parametrize("clubs", [1, 4])
def test_home_page_reads_three_queries_whatever_its_clubs(clubs, django_assert_num_queries):
    user = UserFactory()
    for _ in range(clubs):
        club = ClubMemberFactory(user=user, club=ClubFactory()).club
        for _ in range(3):
            EventFactory(club=club)
    client = Client()
    client.force_login(user)
    # session with its user, my clubs, the clubs' next meetings
    with django_assert_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200
    assert response.text.count('class="card"') == clubs


@pytest.mark.parametrize("rsvps", [0, 1, 7])
def test_counts_and_rows_in_one_query_equal_the_two_reads(rsvps, django_assert_num_queries):
    event, member = _meeting(rsvps, seats=2)
    availability_set(event_id=event.pk, user=member, status="maybe")
    with django_assert_num_queries(1):
        summary, total, rows = availability_counts_and_rows(event=event, limit=5)
    assert (summary, total) == availability_counts(event=event)
    assert rows == AvailabilityRows(event=event)[0:5]
    assert len(rows) == min(5, rsvps + 1)


def test_items_with_assignees_in_one_query_equal_the_orm_read(django_assert_num_queries):
    event, _ = _meeting(3)
    EventItemFactory(event=event, assigned_to=None, name="Nobody's")
    with django_assert_num_queries(1):
        items = item_list_with_assignees(event=event)

    def seen(item):
        assignee = item.assigned_to
        return (
            item.pk,
            item.name,
            item.category,
            item.status,
            item.notes,
            item.created_at,
            getattr(assignee, "name", None),
        )

    expected = item_list(event=event, filters={}).select_related("assigned_to")
    assert [seen(item) for item in items] == [seen(item) for item in expected]
    assert len(items) == 4 and all(item.event is event for item in items)
