"""Version stamps with real commits (`transaction=True`): the deferred triggers run at commit, a
stamp row is not locked before it, a read after a committed write is fresh across two gunicorn
workers (each with its own in-process cache, and with a shared Redis), and concurrent RSVPs
with a member removal in one club do not deadlock."""

from __future__ import annotations

import json
import os
import socket
import threading

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction

from clubs import services as club_services
from events.availability.services import availability_set
from events.models import Event
from tests.conftest import client_for
from tests.events.helpers import make_world
from tests.factories import ClubMemberFactory, EventFactory
from tests.ops.servers import database_url, run_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)


def _stamp(scope) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT stamp FROM cache_stamps WHERE scope_id = %s", [scope])
        row = cursor.fetchone()
    return row and row[0]


def test_stamps_move_at_commit_and_are_not_locked_before():
    world = make_world()
    before = _stamp(world.event.pk)
    assert before is not None
    with psycopg.connect(database_url(connection.settings_dict), autocommit=True) as other:
        with transaction.atomic():
            Event.objects.filter(pk=world.event.pk).update(title="Changed")
            # Not bumped yet (deferred), and the stamp row is free for anyone else.
            assert _stamp(world.event.pk) == before
            other.execute("SET lock_timeout = '200ms'")
            other.execute("SELECT 1 FROM cache_stamps WHERE scope_id = %s FOR UPDATE", [world.event.pk])
        after = _stamp(world.event.pk)
    assert after > before
    with transaction.atomic():
        Event.objects.filter(pk=world.event.pk).update(title="Again")
        Event.objects.filter(pk=world.event.pk).update(title="And again")
    assert _stamp(world.event.pk) > after  # once per transaction, yet after each commit


def test_a_rolled_back_write_leaves_the_version_alone():
    world = make_world()
    before = _stamp(world.event.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        Event.objects.filter(pk=world.event.pk).update(title="Never")
        raise RuntimeError
    assert _stamp(world.event.pk) == before


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def _get(server, path: str, token: str) -> tuple[str, dict]:
    status, headers, body = server.get(path, headers={"Authorization": f"Bearer {token}"})
    assert status == 200, (path, status)
    return headers["ETag"], json.loads(body)


def _put(server, path: str, token: str, body: dict) -> int:
    method = "PUT" if "availability" in path else "PATCH"
    return server.request(method, path, headers={"Authorization": f"Bearer {token}"}, json_body=body)[0]


@pytest.mark.slow
@pytest.mark.parametrize("redis", [False, True])
def test_a_committed_write_is_seen_by_every_gunicorn_worker(tmp_path, redis):
    if redis and not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    from accounts.tokens import access_token_for

    world = make_world()
    member, moderator = world.users["member"], world.users["moderator"]
    token, mod_token = access_token_for(member), access_token_for(moderator)
    env = {"SECRET_KEY": settings.SECRET_KEY, "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "1"}
    env["REDIS_URL"] = os.environ.get("H19_TEST_REDIS_URL", "redis://127.0.0.1:6379/2") if redis else ""
    env["THROTTLE_RATES"] = "user=100000/min"
    event_path, list_path = f"/api/v1/events/{world.event.pk}/", f"/api/v1/clubs/{world.club.pk}/events/"
    with run_gunicorn(tmp_path, database_url(connection.settings_dict), **env) as server:
        for _ in range(12):  # new connections: both workers read (and cache) the first version
            first_tag, first = _get(server, event_path, token)
            list_tag, _ = _get(server, list_path, token)
        for round_ in range(3):
            title = f"Title {round_}"
            assert _put(server, event_path, mod_token, {"title": title}) == 200
            assert _put(server, event_path + "availability/me/", token, {"status": "maybe"}) in (200, 201)
            for _ in range(12):
                tag, body = _get(server, event_path, token)
                assert body["title"] == title and tag != first_tag
                assert body["my_availability"]["status"] == "maybe"
                tag_list, page = _get(server, list_path, token)
                assert tag_list != list_tag
                assert {row["title"] for row in page["results"] if row["id"] == str(world.event.pk)} == {title}
            first_tag, list_tag = tag, tag_list
            assert _put(server, event_path + "availability/me/", token, {"status": "unavailable"}) in (200, 201)
            _, body = _get(server, event_path, token)
            assert body["my_availability"]["status"] == "unavailable"
    assert first


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_concurrent_rsvps_and_a_member_removal_do_not_deadlock():
    world = make_world(max_attendees=3)
    events = [world.event, *(EventFactory(club=world.club, max_attendees=3) for _ in range(3))]
    members = [ClubMemberFactory(club=world.club).user for _ in range(6)]
    leaving = members[0]
    for event in events:
        availability_set(event_id=event.pk, user=leaving, status="available")
    before = _deadlocks()
    errors, barrier = [], threading.Barrier(len(members))

    def rsvp(user, index):
        try:
            barrier.wait()
            for round_ in range(4):
                event = events[(index + round_) % len(events)]
                availability_set(event_id=event.pk, user=user, status=("available", "maybe")[round_ % 2])
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connections.close_all()

    def remove():
        try:
            barrier.wait()
            club_services.member_remove(actor=world.users["admin"], club_id=world.club.pk, user_id=leaving.pk)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rsvp, args=(user, i)) for i, user in enumerate(members[1:])]
    threads.append(threading.Thread(target=remove))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert _deadlocks() == before
    client = client_for(world.users["member"])
    for event in events:
        body = client.get(f"/api/v1/events/{event.pk}/").json()
        assert str(leaving.pk) not in body["attendees"]
        assert body["attendee_count"] == len(body["attendees"]) <= 3
