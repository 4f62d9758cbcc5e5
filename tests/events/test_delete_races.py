"""Writes racing deletes answer 404, never 5xx (issue 11). Real threads through the HTTP API, each
with its own PostgreSQL connection; 20 rounds per race.

Before the locks of core/locks.py: an RSVP or an event edit racing the event's delete answered
500 (`Event.DoesNotExist`), an item or an event created while its event or club was deleted 500
(foreign key at commit), and withdrawing an RSVP racing the event's delete 503 (a deadlock: the
cascade deleted RSVP rows before locking the event).
"""

from __future__ import annotations

from collections import Counter
from functools import partial

import pytest

from clubs.models import ClubRole
from events.availability.services import availability_set
from tests.clubs.test_concurrency import race
from tests.conftest import client_for
from tests.events.test_api import event_body
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 20
WRITERS = 3


def _world():
    club = ClubFactory(is_public=True)
    event = EventFactory(club=club, is_public=True, max_attendees=2)
    members = [UserFactory() for _ in range(WRITERS)]
    for user in members:
        ClubMemberFactory(club=club, user=user, role=ClubRole.MODERATOR)
    return club, event, members


def client(user):
    """A signed-in client that answers a view's exception with its 500 instead of raising it."""
    signed_in = client_for(user)
    signed_in.raise_request_exception = False
    return signed_in


def _run(build) -> Counter:
    """`build()` returns the calls of one round; every answer of every round is counted, and
    `bad_rounds` how many rounds had a 5xx."""
    statuses: Counter = Counter()
    for _ in range(ROUNDS):
        answers = [response.status_code for response in race(build())]
        statuses.update(answers)
        statuses["bad_rounds"] += any(code >= 500 for code in answers)
    return statuses


def _no_server_error(statuses: Counter) -> None:
    bad = statuses.pop("bad_rounds", 0)
    assert not bad, f"{bad} of {ROUNDS} rounds had a 5xx: {statuses}"


def test_rsvp_racing_the_event_delete():
    def round_():
        club, event, members = _world()
        url = f"/api/v1/events/{event.pk}/availability/me/"
        writers = [partial(client(u).put, url, {"status": "available"}, format="json") for u in members]
        return [*writers, partial(client(club.owner).delete, f"/api/v1/events/{event.pk}/")]

    statuses = _run(round_)
    _no_server_error(statuses)
    assert statuses[204] == ROUNDS and set(statuses) <= {200, 201, 204, 404}


def test_event_edit_racing_the_event_delete():
    def round_():
        club, event, members = _world()
        url = f"/api/v1/events/{event.pk}/"
        writers = [partial(client(u).patch, url, {"title": f"t{i}"}, format="json") for i, u in enumerate(members)]
        return [*writers, partial(client(club.owner).delete, url)]

    statuses = _run(round_)
    _no_server_error(statuses)
    assert set(statuses) <= {200, 204, 404}


def test_item_creation_racing_the_event_delete():
    def round_():
        club, event, members = _world()
        url = f"/api/v1/events/{event.pk}/items/"
        writers = [partial(client(u).post, url, {"name": "Snacks"}, format="json") for u in members]
        return [*writers, partial(client(club.owner).delete, f"/api/v1/events/{event.pk}/")]

    statuses = _run(round_)
    _no_server_error(statuses)
    assert set(statuses) <= {201, 204, 404}


def test_rsvp_withdrawal_racing_the_event_delete():
    def round_():
        club, event, members = _world()
        for user in members:
            availability_set(event_id=event.pk, user=user, status="available")
        url = f"/api/v1/events/{event.pk}/availability/me/"
        writers = [partial(client(u).delete, url) for u in members]
        return [*writers, partial(client(club.owner).delete, f"/api/v1/events/{event.pk}/")]

    statuses = _run(round_)
    _no_server_error(statuses)
    assert set(statuses) <= {204, 404}


def test_event_creation_racing_the_club_delete():
    body = event_body()

    def round_():
        club, _, members = _world()
        url = f"/api/v1/clubs/{club.pk}/events/"
        writers = [partial(client(u).post, url, body, format="json") for u in members]
        return [*writers, partial(client(club.owner).delete, f"/api/v1/clubs/{club.pk}/")]

    statuses = _run(round_)
    _no_server_error(statuses)
    assert set(statuses) <= {201, 204, 404}
