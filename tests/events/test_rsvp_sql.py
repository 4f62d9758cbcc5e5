"""The hand-written statements of an RSVP write do what the ORM's did.

- The three locks (user, membership, event) lock the same rows with the same strength as the
  former `select_for_update` querysets: another session sees the same conflicts with both.
- `event_lock` returns the row as the ORM read it, and `Event.DoesNotExist` for an unknown id.
- `_seats_write` stores what `bulk_update` and `save(update_fields=...)` stored.
- A created RSVP is stored exactly as the returned instance says.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import OperationalError, connection, connections, transaction

from accounts.models import User
from clubs.models import ClubMember, ClubRole
from events.availability.models import Availability, RsvpStatus
from events.availability.rows import Seat
from events.availability.services import (
    _seats_plan,
    _seats_write,
    availability_upsert,
    event_lock,
)
from events.availability.sql import membership_lock as _membership_lock_sql
from events.availability.sql import user_lock as _user_lock_sql
from events.models import Event
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory

pytestmark = pytest.mark.django_db

MODES = ["FOR KEY SHARE", "FOR SHARE", "FOR NO KEY UPDATE", "FOR UPDATE"]


def _conflicts(other, model, pk) -> list[bool]:
    """Which lock modes another session cannot take right now on `model`'s row `pk`."""
    table = connection.ops.quote_name(model._meta.db_table)
    result = []
    for mode in MODES:
        try:
            with other.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s {mode} NOWAIT", [pk])
            result.append(False)
        except OperationalError:
            result.append(True)
    return result


def _locked_by(lock, other, model, pk) -> list[bool]:
    with transaction.atomic():
        lock()
        return _conflicts(other, model, pk)


def _raw(sql, params):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return run


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("active", [True, False])
def test_locks_conflict_as_the_orm_locks_did(active):
    club = ClubFactory()
    member = ClubMemberFactory(club=club, role=ClubRole.MEMBER, is_active=active)
    user = member.user
    if not active:
        User.objects.filter(pk=user.pk).update(is_active=False)
    event = EventFactory(club=club)
    other = connections.create_connection("default")
    try:
        former_user = _locked_by(
            lambda: User.objects.select_for_update(no_key=True).filter(pk=user.pk, is_active=True).exists(),
            other,
            User,
            user.pk,
        )
        assert _locked_by(_raw(_user_lock_sql(), [user.pk]), other, User, user.pk) == former_user
        assert former_user == ([False, True, True, True] if active else [False] * 4)

        former_member = _locked_by(
            lambda: (
                ClubMember.objects.select_for_update(no_key=True)
                .filter(club=club, user_id=user.pk, is_active=True)
                .values_list("role", flat=True)
                .first()
            ),
            other,
            ClubMember,
            member.pk,
        )
        lock = _raw(_membership_lock_sql(), [club.pk, user.pk])
        assert _locked_by(lock, other, ClubMember, member.pk) == former_member
        assert former_member == ([False, True, True, True] if active else [False] * 4)

        former_event = _locked_by(lambda: Event.objects.select_for_update().get(pk=event.pk), other, Event, event.pk)
        assert _locked_by(lambda: event_lock(event_id=event.pk), other, Event, event.pk) == former_event
        assert former_event == [True] * 4
    finally:
        other.close()


def test_membership_lock_reads_the_active_role():
    club = ClubFactory()
    moderator = ClubMemberFactory(club=club, role=ClubRole.MODERATOR).user
    former = ClubMemberFactory(club=club, is_active=False).user
    with connection.cursor() as cursor:
        cursor.execute(_membership_lock_sql(), [club.pk, moderator.pk])
        assert cursor.fetchall() == [(ClubRole.MODERATOR.value,)]
        cursor.execute(_membership_lock_sql(), [club.pk, former.pk])
        assert cursor.fetchall() == []


def test_event_lock_reads_the_row_as_the_orm_did():
    event = EventFactory(max_attendees=3, description=None)
    with transaction.atomic():
        locked = event_lock(event_id=event.pk)
    stored = Event.objects.get(pk=event.pk)
    for field in Event._meta.concrete_fields:
        assert getattr(locked, field.attname) == getattr(stored, field.attname), field.name
    assert not locked._state.adding
    with pytest.raises(Event.DoesNotExist), transaction.atomic():
        event_lock(event_id=uuid.uuid4())


def _twin_events():
    """Two events with the same RSVPs and the same damage: a spread waitlist, a seat free, a
    seated user missing from `attendees`."""
    club = ClubFactory()
    users = [ClubMemberFactory(club=club).user for _ in range(5)]
    events = [EventFactory(club=club, max_attendees=2) for _ in range(2)]
    for user in users:
        for event in events:
            availability_upsert(event_id=event.pk, user=user, status=RsvpStatus.AVAILABLE)
    for event in events:
        with transaction.atomic():
            for row in Availability.objects.filter(event=event, waitlisted=True):
                Availability.objects.filter(pk=row.pk).update(waitlist_position=row.waitlist_position * 2 + 1)
        Event.objects.filter(pk=event.pk).update(max_attendees=3, attendees=[users[1].pk])
    return users, events


def _stored(event, users):
    index = {user.pk: n for n, user in enumerate(users)}
    rows = sorted(
        (index[row.user_id], row.status, row.waitlisted, row.waitlist_position)
        for row in Availability.objects.filter(event=event)
    )
    event = Event.objects.get(pk=event.pk)
    return rows, [index[user_id] for user_id in event.attendees]


@pytest.mark.parametrize("as_seats", [False, True])
def test_seats_write_stores_what_the_orm_stored(as_seats):
    users, (mine, theirs) = _twin_events()
    plans = []
    for event in (mine, theirs):
        event = Event.objects.get(pk=event.pk)
        rows = list(Availability.objects.filter(event=event, status=RsvpStatus.AVAILABLE))
        if as_seats and event.pk == mine.pk:
            rows = [
                Seat(
                    id=r.id,
                    user_id=r.user_id,
                    waitlisted=r.waitlisted,
                    waitlist_position=r.waitlist_position,
                    created_at=r.created_at,
                )
                for r in rows
            ]
        changed, attendees_changed = _seats_plan(event=event, rows=rows)
        assert changed and attendees_changed
        plans.append((event, changed, attendees_changed))
    before = Event.objects.get(pk=mine.pk).updated_at
    (event, changed, attendees_changed), (their_event, their_changed, _) = plans
    with transaction.atomic():
        _seats_write(event=event, changed=changed, attendees_changed=attendees_changed)
    with transaction.atomic():  # the former writes
        Availability.objects.bulk_update(their_changed, ["waitlisted", "waitlist_position"])
        their_event.save(update_fields=["attendees", "updated_at"])
    assert _stored(mine, users) == _stored(theirs, users)
    assert Event.objects.get(pk=mine.pk).updated_at > before


@pytest.mark.parametrize(
    ("status", "notes", "max_attendees"),
    [
        (RsvpStatus.AVAILABLE, "hi", None),
        (RsvpStatus.AVAILABLE, None, 1),  # waitlisted
        (RsvpStatus.MAYBE, "", 1),
        (RsvpStatus.UNAVAILABLE, None, None),
    ],
)
def test_a_created_rsvp_is_stored_as_returned(status, notes, max_attendees):
    club = ClubFactory()
    first, second = (ClubMemberFactory(club=club).user for _ in range(2))
    event = EventFactory(club=club, max_attendees=max_attendees)
    availability_upsert(event_id=event.pk, user=first, status=RsvpStatus.AVAILABLE)
    row, created = availability_upsert(event_id=event.pk, user=second, status=status, notes=notes)
    assert created
    assert not row._state.adding
    stored = Availability.objects.get(pk=row.pk)
    for field in Availability._meta.concrete_fields:
        assert getattr(row, field.attname) == getattr(stored, field.attname), field.name
    assert row.user == second
    # The instance is a stored row: saving it again updates it.
    row.notes = "changed"
    row.save()
    assert Availability.objects.filter(event=event).count() == 2
