"""Every way a seat frees up gives the first on the waitlist exactly one `waitlist_promoted`."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.services import user_deactivate
from clubs.models import ClubRole
from events.availability.models import Availability, RsvpStatus
from events.availability.services import availability_upsert
from events.models import Event
from notifications.models import Notification
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory

pytestmark = pytest.mark.django_db


def full_event():
    """One seat, held by `seated`; `first` and `second` wait in that order."""
    club = ClubFactory(name="Night Readers")
    moderator = ClubMemberFactory(club=club, role=ClubRole.MODERATOR).user
    event = EventFactory(club=club, max_attendees=1, event_date=dt.date(2036, 12, 18), type="meeting")
    users = {name: ClubMemberFactory(club=club).user for name in ("seated", "first", "second")}
    for user in users.values():
        availability_upsert(event_id=event.pk, user=user, status=RsvpStatus.AVAILABLE)
    return club, moderator, event, users


def _answer(club, moderator, event, users):
    return client_for(users["seated"]).put(f"/api/v1/events/{event.pk}/availability/me/", {"status": "maybe"})


def _member_set(club, moderator, event, users):
    path = f"/api/v1/events/{event.pk}/availability/{users['seated'].pk}/"
    return client_for(moderator).put(path, {"status": "unavailable"})


def _withdraw(club, moderator, event, users):
    return client_for(users["seated"]).delete(f"/api/v1/events/{event.pk}/availability/me/")


def _leave(club, moderator, event, users):
    return client_for(users["seated"]).post(f"/api/v1/clubs/{club.pk}/leave/")


def _removed(club, moderator, event, users):
    return client_for(moderator).delete(f"/api/v1/clubs/{club.pk}/members/{users['seated'].pk}/")


def _set_inactive(club, moderator, event, users):
    path = f"/api/v1/clubs/{club.pk}/members/{users['seated'].pk}/"
    return client_for(club.owner).patch(path, {"is_active": False})


def _deactivated(club, moderator, event, users):
    user_deactivate(user=users["seated"])


def _raised(club, moderator, event, users):
    return client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"max_attendees": 2})


@pytest.mark.parametrize(
    "free_a_seat", [_answer, _member_set, _withdraw, _leave, _removed, _set_inactive, _deactivated, _raised]
)
def test_every_promotion_path_tells_the_promoted_user_once(free_a_seat):
    club, moderator, event, users = full_event()
    response = free_a_seat(club, moderator, event, users)
    assert response is None or response.status_code < 300, response.content
    promoted = Availability.objects.get(event=event, user=users["first"])
    assert promoted.waitlisted is False
    notes = list(Notification.objects.filter(kind="waitlist_promoted"))
    assert [(n.user_id, n.event_id) for n in notes] == [(users["first"].pk, event.pk)]
    assert notes[0].body.startswith(
        "A seat freed up: you now have a seat at the meeting of Night Readers on Thu 18 Dec"
    )


def test_clearing_the_limit_promotes_everyone_waiting_once_each():
    _club, moderator, event, users = full_event()
    assert client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"max_attendees": None}).status_code == 200
    notes = Notification.objects.filter(kind="waitlist_promoted")
    assert sorted(n.user_id for n in notes) == sorted([users["first"].pk, users["second"].pk])
    # Nothing more to promote: a later edit tells nobody again.
    assert client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"max_attendees": 5}).status_code == 200
    assert notes.count() == 2


def test_joining_a_free_seat_or_moving_up_the_waitlist_is_not_a_promotion():
    club, _moderator, event, users = full_event()
    # `second` moves up to position 1 when `first` withdraws: no seat, no notification.
    assert client_for(users["first"]).delete(f"/api/v1/events/{event.pk}/availability/me/").status_code == 204
    assert not Notification.objects.filter(kind="waitlist_promoted").exists()
    newcomer = ClubMemberFactory(club=club).user
    other = EventFactory(club=club, max_attendees=3)
    assert (
        client_for(newcomer).put(f"/api/v1/events/{other.pk}/availability/me/", {"status": "available"}).status_code
        == 201
    )
    assert not Notification.objects.filter(kind="waitlist_promoted").exists()


def test_a_seat_at_an_event_that_has_started_is_not_news():
    _, moderator, event, _ = full_event()
    Event.objects.filter(pk=event.pk).update(event_date=dt.date.today() - dt.timedelta(days=1))
    assert client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"max_attendees": 3}).status_code == 200
    assert Availability.objects.filter(event=event, waitlisted=True).count() == 0  # promoted all the same
    assert not Notification.objects.filter(kind="waitlist_promoted").exists()
