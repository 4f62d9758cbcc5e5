"""The cheap paths of RSVPs answer exactly what the generic ones did.

- `availability_upsert` plans the seats in memory around its one write; a random sequence of
  RSVPs, withdrawals and damaged states must leave the same rows and `attendees` as the former
  algorithm (`event_seats_sync` before and after a plain `save()`), kept here as the reference.
- The RSVP list renders rows by hand from one raw query and counts everything in one query; its
  bytes must equal the former rendering (DRF's generic serializers, ORM aggregates, paginator).
"""

from __future__ import annotations

import random

import pytest
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from clubs.models import ClubMember, ClubRole
from events.availability.models import Availability, RsvpStatus
from events.availability.serializers import AvailabilitySerializer, RsvpUserSerializer
from events.availability.services import availability_delete, availability_upsert, event_lock, event_seats_sync
from events.models import Event
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db

STATUSES = [RsvpStatus.AVAILABLE, RsvpStatus.MAYBE, RsvpStatus.UNAVAILABLE]


@transaction.atomic
def _reference_set(*, event_id, user, status, notes=None, notes_given=True):
    """The former `availability_set` after its eligibility check: sync, save, sync, re-read."""
    event = event_lock(event_id=event_id)
    event_seats_sync(event=event)
    row = Availability.objects.filter(event=event, user=user).first()
    if row is None:
        row = Availability(event=event, user=user, status=status, notes=notes if notes_given else None)
        was_available = False
    else:
        was_available = row.status == RsvpStatus.AVAILABLE
        row.status = status
        if notes_given:
            row.notes = notes
    if status == RsvpStatus.AVAILABLE and not was_available:
        seated = Availability.objects.filter(event=event, status=RsvpStatus.AVAILABLE, waitlisted=False).count()
        if event.max_attendees is None or seated < event.max_attendees:
            row.waitlisted, row.waitlist_position = False, None
        else:
            waiting = Availability.objects.filter(event=event, status=RsvpStatus.AVAILABLE, waitlisted=True).count()
            row.waitlisted, row.waitlist_position = True, waiting + 1
    elif status != RsvpStatus.AVAILABLE:
        row.waitlisted, row.waitlist_position = False, None
    row.save()
    event_seats_sync(event=event)
    row.refresh_from_db(fields=["waitlisted", "waitlist_position"])
    return row


def _state(event):
    event = Event.objects.get(pk=event.pk)
    rows = {
        row.user_id: (row.status, row.notes, row.waitlisted, row.waitlist_position)
        for row in Availability.objects.filter(event=event)
    }
    return rows, event.attendees


def _damage(rng, events):
    """The same damage to both events, as an older code path or a hand edit could leave it."""
    kind = rng.choice(["drop_attendee", "spread_positions", "more_seats", "fewer_seats"])
    for event in events:
        if kind == "drop_attendee" and event.attendees:
            victim = sorted(event.attendees, key=str)[0]
            Event.objects.filter(pk=event.pk).update(attendees=[u for u in event.attendees if u != victim])
        elif kind == "spread_positions":
            with transaction.atomic():  # the position constraint is checked at commit
                for row in Availability.objects.filter(event=event, waitlisted=True):
                    Availability.objects.filter(pk=row.pk).update(waitlist_position=row.waitlist_position * 2 + 1)
        elif kind == "more_seats" and event.max_attendees is not None:
            Event.objects.filter(pk=event.pk).update(max_attendees=event.max_attendees + 1)
        elif kind == "fewer_seats":
            seated = Availability.objects.filter(event=event, status=RsvpStatus.AVAILABLE, waitlisted=False).count()
            Event.objects.filter(pk=event.pk).update(max_attendees=max(seated, 1))
        event.refresh_from_db()


@pytest.mark.parametrize("seed", range(6))
def test_upsert_matches_the_former_algorithm(seed):
    rng = random.Random(seed)
    club = ClubFactory()
    users = [ClubMemberFactory(club=club, role=ClubRole.MEMBER).user for _ in range(7)]
    max_attendees = [None, 1, 2, 3, 3, 2][seed]
    mine = EventFactory(club=club, max_attendees=max_attendees)
    reference = EventFactory(club=club, max_attendees=max_attendees)
    # Same creation order in both events, so equal `created_at` order.
    for step in range(70):
        roll = rng.random()
        user = rng.choice(users)
        if roll < 0.1:
            assert availability_delete(event_id=mine.pk, user=user) == availability_delete(
                event_id=reference.pk, user=user
            )
        elif roll < 0.17:
            _damage(rng, [mine, reference])
        else:
            status = rng.choice(STATUSES)
            notes_given = rng.random() < 0.6
            notes = rng.choice([None, "", "bringing cake", "late"]) if notes_given else None
            existed = Availability.objects.filter(event=mine, user=user).exists()
            row, created = availability_upsert(
                event_id=mine.pk, user=user, status=status, notes=notes, notes_given=notes_given
            )
            expected = _reference_set(
                event_id=reference.pk, user=user, status=status, notes=notes, notes_given=notes_given
            )
            assert created is not existed
            assert (row.status, row.notes, row.waitlisted, row.waitlist_position) == (
                expected.status,
                expected.notes,
                expected.waitlisted,
                expected.waitlist_position,
            ), step
            stored = Availability.objects.get(pk=row.pk)
            assert (row.updated_at, row.created_at is not None) == (stored.updated_at, True)
            assert row.user == user
        assert _state(mine) == _state(reference), step


def test_upsert_holds_the_event_lock_for_one_read_and_one_write():
    club = ClubFactory()
    users = [ClubMemberFactory(club=club).user for _ in range(4)]
    event = EventFactory(club=club, max_attendees=2)
    for user in users:
        availability_upsert(event_id=event.pk, user=user, status=RsvpStatus.AVAILABLE)
    seen = Event.objects.select_related("club").get(pk=event.pk)
    with CaptureQueriesContext(connection) as ctx:
        availability_upsert(event_id=event.pk, user=users[3], status=RsvpStatus.AVAILABLE, notes="x", seen_event=seen)
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    # user lock, membership lock, event lock (which also reads the club's webhooks subscribed to
    # `rsvp.changed`: nothing more when there are none), RSVPs, the row's UPDATE.
    assert len(statements) == 5, statements
    assert "FOR NO KEY UPDATE" in statements[0] and '"users"' in statements[0]
    assert "FOR NO KEY UPDATE" in statements[1] and '"club_members"' in statements[1]
    assert "FOR UPDATE" in statements[2] and '"events"' in statements[2] and '"webhooks"' in statements[2]
    assert not any('"webhooks"' in statement for statement in statements[3:])
    # A seat given up: one more write for the promotion and one for `attendees`, then the
    # promoted user's `waitlist_promoted` (the club for its text, the user, the insert; email off).
    with CaptureQueriesContext(connection) as ctx:
        availability_upsert(event_id=event.pk, user=users[0], status=RsvpStatus.MAYBE, seen_event=seen)
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 10, statements
    assert sum(statement.startswith('INSERT INTO "notifications"') for statement in statements) == 1


def _generic(row):
    return serializers.ModelSerializer.to_representation(AvailabilitySerializer(row), row)


def test_hand_rendering_equals_the_generic_serializer():
    club = ClubFactory()
    event = EventFactory(club=club, max_attendees=1)
    with_avatar = ClubMemberFactory(club=club, user=UserFactory(avatar="https://example.com/a.png")).user
    plain = ClubMemberFactory(club=club, user=UserFactory(avatar=None)).user
    third = ClubMemberFactory(club=club).user
    rows = [
        availability_upsert(event_id=event.pk, user=with_avatar, status=RsvpStatus.AVAILABLE, notes="hi")[0],
        availability_upsert(event_id=event.pk, user=plain, status=RsvpStatus.AVAILABLE)[0],  # waitlisted
        availability_upsert(event_id=event.pk, user=third, status=RsvpStatus.UNAVAILABLE, notes="")[0],
    ]
    for row in [*rows, *Availability.objects.filter(event=event).select_related("user")]:
        generic = _generic(row)
        generic["user"] = dict(RsvpUserSerializer(row.user).data)
        assert AvailabilitySerializer(row).data == generic
        assert list(AvailabilitySerializer(row).data) == list(generic)
        assert JSONRenderer().render(AvailabilitySerializer(row).data) == JSONRenderer().render(generic)


def _former_list_body(event, *, page, page_size, base_url):
    """The former view: ORM aggregates for the summary, Django's paginator, generic serializers."""
    rows = list(Availability.objects.filter(event=event).select_related("user").order_by("created_at", "id"))
    summary = Availability.objects.filter(event=event).aggregate(
        available=Count("id", filter=Q(status=RsvpStatus.AVAILABLE, waitlisted=False)),
        waitlisted=Count("id", filter=Q(status=RsvpStatus.AVAILABLE, waitlisted=True)),
        maybe=Count("id", filter=Q(status=RsvpStatus.MAYBE)),
        unavailable=Count("id", filter=Q(status=RsvpStatus.UNAVAILABLE)),
    )
    answered = Availability.objects.filter(event=event, user=OuterRef("user"))
    summary["no_response"] = (
        ClubMember.objects.filter(club_id=event.club_id, is_active=True).filter(~Exists(answered)).count()
    )
    chunk = rows[(page - 1) * page_size : page * page_size]
    last = max((len(rows) + page_size - 1) // page_size, 1)

    def link(number):
        if number == 1:
            return f"{base_url}?page_size={page_size}"
        return f"{base_url}?page={number}&page_size={page_size}"

    results = []
    for row in chunk:
        data = _generic(row)
        data["user"] = dict(RsvpUserSerializer(row.user).data)
        results.append(data)
    return {
        "count": len(rows),
        "next": link(page + 1) if page < last else None,
        "previous": link(page - 1) if page > 1 else None,
        "summary": summary,
        "results": results,
    }


def test_list_bytes_equal_the_former_rendering():
    club = ClubFactory(is_public=False)
    event = EventFactory(club=club, max_attendees=2)
    other = EventFactory(club=club)
    members = [ClubMemberFactory(club=club, role=ClubRole.MEMBER).user for _ in range(7)]
    ClubMemberFactory(club=club, is_active=False)  # a former member: never `no_response`
    viewer = members[0]
    rng = random.Random(3)
    for user in members[1:]:
        status = rng.choice(STATUSES)
        availability_upsert(event_id=event.pk, user=user, status=status, notes=rng.choice([None, "", "ok"]))
        availability_upsert(event_id=other.pk, user=user, status=RsvpStatus.MAYBE)
    availability_upsert(event_id=event.pk, user=members[2], status=RsvpStatus.AVAILABLE)
    client = client_for(viewer)
    base_url = f"http://testserver/api/v1/events/{event.pk}/availability/"
    total = Availability.objects.filter(event=event).count()
    for page_size in (1, 2, 4, 20):
        pages = max((total + page_size - 1) // page_size, 1)
        for page in range(1, pages + 1):
            query = f"?page_size={page_size}" if page == 1 else f"?page={page}&page_size={page_size}"
            response = client.get(f"/api/v1/events/{event.pk}/availability/{query}")
            assert response.status_code == 200
            expected = _former_list_body(event, page=page, page_size=page_size, base_url=base_url)
            assert response.content == JSONRenderer().render(expected), (page_size, page)
        past_the_end = client.get(f"/api/v1/events/{event.pk}/availability/?page={pages + 1}&page_size={page_size}")
        assert past_the_end.status_code == 404


def test_list_of_an_event_without_rsvps():
    club = ClubFactory()
    event = EventFactory(club=club)
    viewer = ClubMemberFactory(club=club).user
    response = client_for(viewer).get(f"/api/v1/events/{event.pk}/availability/")
    assert response.status_code == 200
    base_url = f"http://testserver/api/v1/events/{event.pk}/availability/"
    expected = _former_list_body(event, page=1, page_size=20, base_url=base_url)
    assert response.json() == expected
    assert expected["summary"]["no_response"] == 2  # the owner and the viewer


def test_list_costs_three_queries_of_its_own():
    club = ClubFactory()
    event = EventFactory(club=club, max_attendees=3)
    users = [ClubMemberFactory(club=club).user for _ in range(6)]
    for user in users:
        availability_upsert(event_id=event.pk, user=user, status=RsvpStatus.AVAILABLE)
    client = client_for(users[0])
    client.get(f"/api/v1/events/{event.pk}/availability/")  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1/events/{event.pk}/availability/?page_size=2&page=2")
    assert response.status_code == 200
    own = [
        q["sql"]
        for q in ctx.captured_queries
        if "django_cache" not in q["sql"]
        and "SAVEPOINT" not in q["sql"]
        and 'FROM "users" u WHERE u.id =' not in q["sql"]
    ]
    # The visible event, every count, the page.
    assert len(own) == 3, own
