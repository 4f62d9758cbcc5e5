"""Conditional GETs and cached representations of the hot reads (docs/architecture.md, "Versions,
ETags and cached representations"): ETag and 304 per endpoint, visibility before 304, one caller
never served another's, and a read after each write path seeing the write (fresh body, new tag).

These tests run in one transaction (the stamp triggers fire per statement: tests/conftest.py);
tests/events/test_conditional_commits.py runs the real deferred triggers, across gunicorn workers."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from clubs.models import ClubMember
from core import conditional, representations
from events.models import Event
from tests.conftest import client_for
from tests.events.helpers import make_world
from tests.factories import AvailabilityFactory, ClubMemberFactory, EventFactory, EventItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def paths(world) -> dict[str, str]:
    event, club = world.event.pk, world.club.pk
    return {
        "event": f"/api/v1/events/{event}/",
        "club_events": f"/api/v1/clubs/{club}/events/",
        "items": f"/api/v1/events/{event}/items/",
        "rsvps": f"/api/v1/events/{event}/availability/",
        "club": f"/api/v1/clubs/{club}/",
    }


def read(client, path, tag=None):
    headers = {"HTTP_IF_NONE_MATCH": tag} if tag else {}
    return client.get(path, **headers)


@pytest.mark.parametrize("name", ["event", "club_events", "items", "rsvps", "club"])
def test_etag_and_304(name):
    world = make_world()
    EventItemFactory(event=world.event)
    AvailabilityFactory(event=world.event, user=world.users["member"])
    client = world.client("member")
    path = paths(world)[name]
    first = read(client, path)
    assert first.status_code == 200
    tag = first["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert "private" in first["Cache-Control"] and "Authorization" in first["Vary"]
    for header in (tag, f"W/{tag}", f'"nope", {tag}', "*"):
        again = read(client, path, header)
        assert again.status_code == 304, header
        assert again.content == b"" and again["ETag"] == tag
        assert "private" in again["Cache-Control"]
    other = read(client, path, '"nope"')
    assert other.status_code == 200 and other["ETag"] == tag and other.json() == first.json()


@pytest.mark.parametrize("name", ["event", "club_events", "items", "rsvps", "club"])
def test_invisible_is_404_never_304(name):
    world = make_world(club_public=False)
    path = paths(world)[name]
    tag = read(world.client("member"), path)["ETag"]
    for header in (tag, "*"):
        response = read(world.client("outsider"), path, header)
        assert response.status_code == 404
        assert "ETag" not in response


@pytest.mark.parametrize("name", ["event", "club_events", "items", "rsvps", "club"])
def test_another_caller_gets_their_own_answer(name):
    world = make_world()
    AvailabilityFactory(event=world.event, user=world.users["member"], status="maybe")
    path = paths(world)[name]
    mine = read(world.client("member"), path)
    theirs = read(world.client("guest"), path, mine["ETag"])
    assert theirs.status_code == 200 and theirs["ETag"] != mine["ETag"]
    if name == "event":
        assert mine.json()["my_availability"]["status"] == "maybe"
        assert theirs.json()["my_availability"] is None
    if name == "club":
        assert (mine.json()["my_role"], theirs.json()["my_role"]) == ("member", "guest")


def test_cached_bodies_equal_the_uncached_ones_for_every_caller():
    """The shared part comes from the cache, the caller's part is merged in: the same bytes as a
    cold read (the first reader builds the cache; every other caller reads it)."""
    world = make_world()
    other = EventFactory(club=world.club)
    AvailabilityFactory(event=world.event, user=world.users["member"], status="available")
    AvailabilityFactory(event=other, user=world.users["guest"], status="maybe")
    for name, path in paths(world).items():
        warm = read(world.client("admin"), path).content  # builds the shared entry
        for role in ("guest", "member", "moderator", "site_admin", "admin"):
            cached = read(world.client(role), path).content
            representations.clear_local()
            caches[representations.ALIAS].clear()
            cold = read(world.client(role), path).content
            assert cached == cold, (name, role)
        assert warm


def _versions(client, world) -> dict:
    return {name: (r["ETag"], r.json()) for name, path in paths(world).items() for r in [read(client, path)]}


def _changed(before, after, names):
    for name in names:
        assert before[name][0] != after[name][0], f"{name}: same ETag after the write"
        assert before[name][1] != after[name][1], f"{name}: same body after the write"


def test_api_writes_are_seen_at_once():
    world = make_world()
    member, moderator = world.client("member"), world.client("moderator")
    before = _versions(member, world)
    assert moderator.patch(paths(world)["event"], {"title": "Renamed"}, format="json").status_code == 200
    after = _versions(member, world)
    _changed(before, after, ["event", "club_events"])
    assert after["event"][1]["title"] == "Renamed"

    before = after
    response = member.put(f"{paths(world)['event']}availability/me/", {"status": "available"}, format="json")
    assert response.status_code == 201  # the RSVP upsert is hand-written SQL (events/availability/sql.py)
    after = _versions(member, world)
    _changed(before, after, ["event", "club_events", "rsvps"])
    assert after["event"][1]["my_availability"]["status"] == "available"

    before = after
    assert member.post(paths(world)["items"], {"name": "Snacks", "category": "task"}, format="json").status_code == 201
    after = _versions(member, world)
    _changed(before, after, ["items"])
    assert after["club"][0] == before["club"][0]  # items never touch the club's version

    before = after
    assert world.client("admin").patch(paths(world)["club"], {"name": "New name"}, format="json").status_code == 200
    after = _versions(member, world)
    _changed(before, after, ["club"])

    before = after
    joiner = UserFactory()
    assert client_for(joiner).post(f"/api/v1/clubs/{world.club.pk}/join/", {}, format="json").status_code == 201
    after = _versions(member, world)
    _changed(before, after, ["club", "rsvps"])  # member_count; no_response
    assert after["rsvps"][1]["summary"]["no_response"] == before["rsvps"][1]["summary"]["no_response"] + 1

    before = after
    assert moderator.post(paths(world)["club_events"], _new_event(), format="json").status_code == 201
    after = _versions(member, world)
    _changed(before, after, ["club_events"])

    before = after
    assert moderator.delete(paths(world)["event"]).status_code == 204
    assert read(member, paths(world)["event"], before["event"][0]).status_code == 404
    assert read(member, paths(world)["club_events"], before["club_events"][0]).status_code == 200


def _new_event() -> dict:
    return {"title": "Next", "event_date": "2099-01-01", "event_time": "18:00:00", "location": "Library"}


def test_a_user_renamed_shows_in_the_rsvp_list_at_once():
    world = make_world()
    outsider = world.users["outsider"]  # a public event of a public club: RSVPs without membership
    AvailabilityFactory(event=world.event, user=world.users["member"])
    AvailabilityFactory(event=world.event, user=outsider)
    client = world.client("moderator")
    before = read(client, paths(world)["rsvps"])
    for user in (world.users["member"], outsider):
        User.objects.filter(pk=user.pk).update(name=f"Renamed {user.pk}")
        after = read(client, paths(world)["rsvps"], before["ETag"])
        assert after.status_code == 200
        assert f"Renamed {user.pk}" in {row["user"]["name"] for row in after.json()["results"]}
        before = after
    # A login (last_login) is not a displayed column: no new version.
    User.objects.filter(pk=outsider.pk).update(last_login=None)
    assert read(client, paths(world)["rsvps"], before["ETag"]).status_code == 304


def test_plain_sql_and_admin_writes_are_seen_at_once():
    world = make_world()
    member = world.client("member")
    before = _versions(member, world)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE events SET location = 'Back room' WHERE id = %s", [world.event.pk])
    after = _versions(member, world)
    _changed(before, after, ["event", "club_events"])

    staff = Client()
    staff.force_login(UserFactory(is_staff=True, is_superuser=True))
    before = after
    membership = ClubMember.objects.get(club=world.club, user=world.users["guest"])
    response = staff.post(f"/admin/clubs/clubmember/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    after = _versions(member, world)
    _changed(before, after, ["club", "rsvps"])

    before = after
    response = staff.post(f"/admin/events/event/{world.event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Event.objects.filter(pk=world.event.pk).exists()
    assert read(member, paths(world)["event"]).status_code == 404
    assert read(member, paths(world)["club_events"], before["club_events"][0]).status_code == 200


def test_upcoming_pages_are_judged_at_the_current_second(monkeypatch):
    import datetime as dt

    from django.utils import timezone

    world = make_world()
    start = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=30)
    soon = EventFactory(club=world.club, event_date=start.date(), event_time=start.time())
    client = world.client("member")
    path = paths(world)["club_events"] + "?upcoming=true"
    assert str(soon.pk) in {row["id"] for row in read(client, path).json()["results"]}
    monkeypatch.setattr(timezone, "now", lambda: start + dt.timedelta(microseconds=1))
    assert str(soon.pk) not in {row["id"] for row in read(client, path).json()["results"]}


def test_event_detail_warm_is_one_statement_after_the_callers_user():
    world = make_world()
    client = world.client("member")
    path = paths(world)["event"]
    read(client, path)
    with CaptureQueriesContext(connection) as warm:
        assert read(client, path).status_code == 200
    own = [q["sql"] for q in warm.captured_queries if _own(q["sql"])]
    assert len(own) == 1 and "cache_stamps" in own[0], own
    tag = read(client, path)["ETag"]
    with CaptureQueriesContext(connection) as revalidated:
        assert read(client, path, tag).status_code == 304
    assert len([q for q in revalidated.captured_queries if _own(q["sql"])]) == 1


def test_club_events_warm_is_the_version_and_the_callers_rsvps():
    world = make_world()
    ClubMemberFactory(club=world.club)
    client = world.client("member")
    path = paths(world)["club_events"]
    read(client, path)
    with CaptureQueriesContext(connection) as warm:
        read(client, path)
    assert len([q for q in warm.captured_queries if _own(q["sql"])]) == 2


def _own(sql: str) -> bool:
    return "django_cache" not in sql and "SAVEPOINT" not in sql and 'FROM "users"' not in sql.split("WHERE")[0]


def test_if_none_match_lists():
    assert conditional._split('"a", W/"b" ,"c,d"') == ['"a"', 'W/"b"', '"c,d"']


def test_a_new_epoch_makes_every_tag_new():
    """`restore` and `bench_seed` renew the epoch (clubs.sql.epoch_renew): no key from before is met again."""
    from clubs import sql as clubs_sql

    world = make_world()
    client = world.client("member")
    before = {name: read(client, path)["ETag"] for name, path in paths(world).items()}
    with connection.cursor() as cursor:
        cursor.execute(clubs_sql.epoch_renew())
    for name, path in paths(world).items():
        assert read(client, path, before[name]).status_code == 200, name


@pytest.mark.parametrize("name", ["item", "my_rsvp"])
def test_etag_304_and_freshness_of_an_item_and_of_my_rsvp(name):
    world = make_world()
    item = EventItemFactory(event=world.event)
    AvailabilityFactory(event=world.event, user=world.users["member"], status="maybe")
    client = world.client("member")
    path = {
        "item": f"/api/v1/events/{world.event.pk}/items/{item.pk}/",
        "my_rsvp": f"/api/v1/events/{world.event.pk}/availability/me/",
    }[name]
    first = read(client, path)
    assert first.status_code == 200
    assert read(client, path, first["ETag"]).status_code == 304
    assert (
        read(world.client("outsider"), path.replace(str(world.event.pk), str(EventFactory().pk)), "*").status_code
        == 404
    )
    if name == "item":
        type(item).objects.filter(pk=item.pk).update(name="Renamed")
    else:
        assert client.put(path, {"status": "available"}, format="json").status_code == 200
    again = read(client, path, first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert again.content != first.content
    theirs = read(world.client("guest"), path, again["ETag"])
    assert theirs.status_code == (200 if name == "item" else 404)  # the guest has no RSVP
    if name == "item":
        assert theirs["ETag"] != again["ETag"]
