"""core/locks.py: one global lock order (as data), locks only inside transactions, a lock timeout,
and lost races reported as what they are (409 `transaction_conflict`, never 503)."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import RefreshToken, User
from books.polls.models import Poll
from clubs.models import Club, ClubMember
from core import locks
from events.availability.models import Availability
from events.availability.services import availability_upsert
from events.items.models import EventItem
from events.models import Event
from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, UserFactory


def test_the_global_order_is_user_tokens_membership_club_event_rsvp_item_poll():
    models = [User, RefreshToken, ClubMember, Club, Event, Availability, EventItem, Poll]
    assert list(locks.LOCK_ORDER) == [model._meta.label for model in models]
    assert "lock order" in locks.__doc__.lower()


def test_core_imports_no_app():
    source = Path(locks.__file__).read_text()
    for app in ("accounts", "clubs", "events", "bookwork"):
        assert f"from {app}" not in source and f"import {app}" not in source


@pytest.mark.django_db(transaction=True)  # no test transaction around it
def test_lock_objects_refuses_to_run_outside_a_transaction():
    with pytest.raises(locks.NotInTransaction):
        locks.lock_objects(locks.Lock(User.objects.all()))


@pytest.mark.django_db
def test_lock_objects_locks_in_the_global_order_whatever_the_argument_order():
    event = EventFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        events, users, clubs = locks.lock_objects(
            locks.Lock(Event.objects.filter(pk=event.pk)),
            locks.Lock(User.objects.filter(pk=event.club.owner_id), no_key=True),
            locks.Lock(Club.objects.filter(pk=event.club_id)),
        )
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == f"{locks.LOCK_TIMEOUT_MS // 1000}s"
    assert [events[0].pk, users[0].pk, clubs[0].pk] == [event.pk, event.club.owner_id, event.club_id]
    locking = [q["sql"] for q in queries.captured_queries if "FOR " in q["sql"] and "UPDATE" in q["sql"]]
    tables = [next(t for t in ('"users"', '"clubs"', '"events"') if f"FROM {t}" in sql) for sql in locking]
    assert tables == ['"users"', '"clubs"', '"events"']
    assert "FOR NO KEY UPDATE" in locking[0] and "FOR NO KEY UPDATE" not in locking[1]


def test_a_model_outside_the_order_is_refused():
    from django.contrib.auth.models import Group

    with pytest.raises(locks.LockOrderViolation):
        locks.lock_rank(Group._meta.label)


@pytest.mark.django_db
def test_the_rsvp_sql_takes_its_locks_in_the_documented_order():
    """The hand-written RSVP upsert locks user, membership, then event (club skipped): a
    subsequence of LOCK_ORDER."""
    event = EventFactory(max_attendees=3)
    member = UserFactory()
    ClubMemberFactory(club=event.club, user=member)
    with CaptureQueriesContext(connection) as queries:
        availability_upsert(event_id=event.pk, user=member, status="available")
    order = {User: "users", ClubMember: "club_members", Event: "events"}
    locked = []
    for query in queries.captured_queries:
        if "FOR UPDATE" in query["sql"] or "FOR NO KEY UPDATE" in query["sql"]:
            locked += [
                model
                for model, table in order.items()
                if f'FROM "{table}"' in query["sql"] or f"FROM {table}" in query["sql"]
            ]
    assert locked == [User, ClubMember, Event]
    ranks = [locks.lock_rank(model._meta.label) for model in locked]
    assert ranks == sorted(ranks)


def _deadlock_error() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error


def test_conflict_kinds():
    assert locks.conflict_kind(_deadlock_error()) == "deadlock"
    serialization = OperationalError("could not serialize")
    serialization.__cause__ = psycopg.errors.SerializationFailure("x")
    assert locks.conflict_kind(serialization) == "serialization_failure"
    assert locks.conflict_kind(OperationalError("connection refused")) is None


@pytest.mark.django_db
def test_a_deadlock_answers_409_transaction_conflict_not_503(monkeypatch, caplog):
    from events import services

    event = EventFactory()
    monkeypatch.setattr(services, "event_delete", lambda **kwargs: (_ for _ in ()).throw(_deadlock_error()))
    response = client_for(event.club.owner).delete(f"/api/v1/events/{event.pk}/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "transaction_conflict"
    assert any(getattr(r, "conflict", None) == "deadlock" for r in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_retry_on_conflict_reruns_a_real_deadlock():
    """Two transactions lock two clubs in opposite orders; PostgreSQL kills one with 40P01 and
    the decorator runs it again (it then succeeds)."""
    first, second = ClubFactory(), ClubFactory()
    barrier = threading.Barrier(2)
    runs = {"a": 0, "b": 0}

    def crossing(name, one, two):
        @locks.retry_on_conflict
        @transaction.atomic
        def work():
            runs[name] += 1
            Club.objects.filter(pk=one.pk).update(name=f"{name}1")
            if runs[name] == 1:
                barrier.wait(timeout=10)
            Club.objects.filter(pk=two.pk).update(name=f"{name}2")

        def thread():
            try:
                work()
            finally:
                connections.close_all()

        return threading.Thread(target=thread)

    threads = [crossing("a", first, second), crossing("b", second, first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(runs.values()) == [1, 2]  # the deadlock victim ran again, and both finished
