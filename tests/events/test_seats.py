"""Seats and the waitlist: the services hold the seat rules under any interleaving."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from clubs.models import ClubRole
from events.availability.models import Availability, RsvpStatus
from events.availability.services import (
    availability_delete,
    availability_release_user,
    availability_set,
)
from events.models import Event
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def _members(club, n):
    return [ClubMemberFactory(club=club, role=ClubRole.MEMBER).user for _ in range(n)]


def _state(event):
    event = Event.objects.get(pk=event.pk)
    rows = Availability.objects.filter(event=event, status=RsvpStatus.AVAILABLE)
    seated = [r.user_id for r in rows if not r.waitlisted]
    waiting = sorted((r.waitlist_position, r.user_id) for r in rows if r.waitlisted)
    return event, seated, waiting


def assert_consistent(event):
    event, seated, waiting = _state(event)
    assert sorted(event.attendees, key=str) == sorted(seated, key=str)
    assert len(set(event.attendees)) == len(event.attendees)
    if event.max_attendees is not None:
        assert len(event.attendees) <= event.max_attendees
    assert [p for p, _ in waiting] == list(range(1, len(waiting) + 1))
    return event, waiting


def _fill(event, users):
    for user in users:
        availability_set(event_id=event.pk, user=user, status=RsvpStatus.AVAILABLE)


@pytest.fixture
def full_event():
    """An event with 2 seats, both taken, and 2 on the waitlist."""
    club = ClubFactory()
    event = EventFactory(club=club, max_attendees=2)
    users = _members(club, 4)
    _fill(event, users)
    return event, users


def test_fill_then_waitlist_in_order(full_event):
    event, users = full_event
    event, waiting = assert_consistent(event)
    assert event.attendees == [users[0].pk, users[1].pk]
    assert waiting == [(1, users[2].pk), (2, users[3].pk)]


def test_repeat_available_keeps_place_and_updates_notes(full_event):
    event, users = full_event
    row = availability_set(event_id=event.pk, user=users[2], status=RsvpStatus.AVAILABLE, notes="still keen")
    assert (row.waitlisted, row.waitlist_position, row.notes) == (True, 1, "still keen")
    row = availability_set(event_id=event.pk, user=users[0], status=RsvpStatus.AVAILABLE)
    assert row.waitlisted is False
    assert_consistent(event)


def test_status_change_promotes_first_in_line(full_event):
    event, users = full_event
    availability_set(event_id=event.pk, user=users[0], status=RsvpStatus.MAYBE)
    event, waiting = assert_consistent(event)
    assert event.attendees == [users[1].pk, users[2].pk]
    assert waiting == [(1, users[3].pk)]


def test_waitlisted_leaving_renumbers(full_event):
    event, users = full_event
    availability_set(event_id=event.pk, user=users[2], status=RsvpStatus.UNAVAILABLE)
    event, waiting = assert_consistent(event)
    assert event.attendees == [users[0].pk, users[1].pk]
    assert waiting == [(1, users[3].pk)]


def test_delete_promotes_first_in_line(full_event):
    event, users = full_event
    assert availability_delete(event_id=event.pk, user=users[1]) is True
    event, waiting = assert_consistent(event)
    assert event.attendees == [users[0].pk, users[2].pk]
    assert waiting == [(1, users[3].pk)]
    assert availability_delete(event_id=event.pk, user=users[1]) is False


def test_release_on_leave_promotes_first_in_line(full_event):
    event, users = full_event
    with transaction.atomic():
        availability_release_user(user=users[0], club=event.club)
    event, waiting = assert_consistent(event)
    assert event.attendees == [users[1].pk, users[2].pk]
    assert waiting == [(1, users[3].pk)]
    assert not Availability.objects.filter(event=event, user=users[0]).exists()


def test_release_on_deactivation_promotes_in_every_club(full_event):
    event, users = full_event
    other = EventFactory(max_attendees=1)
    ClubMemberFactory(club=other.club, user=users[0])
    late = ClubMemberFactory(club=other.club).user
    _fill(other, [users[0], late])
    availability_release_user(user=users[0], club=None)
    event, _ = assert_consistent(event)
    other, waiting = assert_consistent(other)
    assert event.attendees == [users[1].pk, users[2].pk]
    assert other.attendees == [late.pk]
    assert waiting == []


def test_release_keeps_past_events_as_history():
    club = ClubFactory()
    past = EventFactory(club=club, max_attendees=1, event_date=dt.date.today() - dt.timedelta(days=10))
    user, waiting_user = _members(club, 2)
    _fill(past, [user, waiting_user])
    availability_release_user(user=user, club=club)
    past.refresh_from_db()
    assert past.attendees == [user.pk]


def test_release_leaves_other_clubs_alone(full_event):
    event, users = full_event
    availability_release_user(user=users[0], club=ClubFactory())
    event.refresh_from_db()
    assert event.attendees == [users[0].pk, users[1].pk]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_rsvps_fill_five_seats():
    club = ClubFactory()
    event = EventFactory(club=club, max_attendees=5)
    users = [UserFactory() for _ in range(20)]
    for user in users:
        ClubMemberFactory(club=club, user=user)
    barrier = threading.Barrier(len(users))
    errors = []

    def rsvp(user):
        try:
            barrier.wait()
            availability_set(event_id=event.pk, user=user, status=RsvpStatus.AVAILABLE)
        except Exception as exc:  # the assertion below reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=rsvp, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    event, waiting = assert_consistent(event)
    assert len(event.attendees) == 5
    assert [p for p, _ in waiting] == list(range(1, 16))
    assert Availability.objects.filter(event=event, waitlisted=False, status=RsvpStatus.AVAILABLE).count() == 5


def test_rsvp_of_someone_no_longer_a_member_is_refused_under_the_event_lock():
    from rest_framework.exceptions import PermissionDenied

    from clubs.models import ClubMember

    club = ClubFactory()
    event = EventFactory(club=club, max_attendees=3)
    leaver = _members(club, 1)[0]
    # The view's permission check saw an active member; the leave commits before the service runs.
    ClubMember.objects.filter(club=club, user=leaver).update(is_active=False)
    with pytest.raises(PermissionDenied):
        availability_set(event_id=event.pk, user=leaver, status=RsvpStatus.AVAILABLE)
    event, _ = assert_consistent(event)
    assert event.attendees == []


@pytest.mark.django_db(transaction=True)
def test_leave_racing_rsvp_never_leaves_a_seat_to_a_former_member():
    from rest_framework.exceptions import PermissionDenied

    from clubs.models import ClubMember
    from clubs.services import club_leave

    club = ClubFactory()
    event = EventFactory(club=club, max_attendees=50)
    users = _members(club, 12)
    barrier = threading.Barrier(len(users) * 2)

    def rsvp(user):
        barrier.wait()
        try:
            availability_set(event_id=event.pk, user=user, status=RsvpStatus.AVAILABLE)
        except PermissionDenied:
            pass  # the leave won the race: the RSVP is refused, which is what we want
        finally:
            connection.close()

    def leave(user):
        barrier.wait()
        try:
            club_leave(actor=user, club_id=club.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=fn, args=(u,)) for u in users for fn in (rsvp, leave)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not ClubMember.objects.filter(club=club, user__in=users, is_active=True).exists()
    event, _ = assert_consistent(event)
    assert event.attendees == []
    assert not Availability.objects.filter(event=event, user__in=users).exists()


def test_release_keeps_an_event_that_already_started_today_and_frees_one_later_today():
    """`core.time`'s "upcoming" (starts now or later in the club's zone), not the former date-only
    rule, which also released the seats of an event that had started earlier the same day."""
    club = ClubFactory(timezone="Pacific/Kiritimati")  # UTC+14: "today" there is rarely UTC's today
    now_there = timezone.now().astimezone(zoneinfo.ZoneInfo(club.timezone)).replace(microsecond=0)
    started = now_there - dt.timedelta(minutes=30)
    later = now_there + dt.timedelta(minutes=30)
    if started.date() != now_there.date() or later.date() != now_there.date():
        pytest.skip("too close to midnight in the club's zone for two events on the same local day")
    user, waiting_user = _members(club, 2)
    begun = EventFactory(club=club, max_attendees=1, event_date=started.date(), event_time=started.time())
    coming = EventFactory(club=club, max_attendees=1, event_date=later.date(), event_time=later.time())
    _fill(begun, [user, waiting_user])
    _fill(coming, [user, waiting_user])
    availability_release_user(user=user, club=club)
    begun.refresh_from_db()
    coming.refresh_from_db()
    assert begun.attendees == [user.pk]  # history: it had started
    assert Availability.objects.filter(event=begun, user=user).exists()
    assert coming.attendees == [waiting_user.pk]
    assert not Availability.objects.filter(event=coming, user=user).exists()
