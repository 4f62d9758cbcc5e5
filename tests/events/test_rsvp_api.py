"""RSVPs and seats, items, calendar and query counts through the HTTP API (split from test_api.py)."""

from __future__ import annotations

import datetime as dt
import uuid

import icalendar
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clubs.models import ClubMember, ClubRole
from events.availability.models import Availability
from events.availability.services import availability_release_user
from events.models import Event
from tests.conftest import client_for
from tests.events.helpers import error_attrs, make_world
from tests.factories import ClubMemberFactory, EventFactory, EventItemFactory, UserFactory

pytestmark = pytest.mark.django_db

FUTURE = dt.date.today() + dt.timedelta(days=30)


# --- RSVP and seats through the API -------------------------------------------------------------


def rsvp(world, role_or_user, status, **extra):
    user = world.users[role_or_user] if isinstance(role_or_user, str) else role_or_user
    return client_for(user).put(
        f"/api/v1/events/{world.event.pk}/availability/me/", {"status": status, **extra}, format="json"
    )


@pytest.fixture
def full_world():
    """max_attendees 2: member and moderator seated, two more members waitlisted (1 and 2)."""
    world = make_world(max_attendees=2)
    extra = [ClubMemberFactory(club=world.club).user for _ in range(2)]
    world.users["w1"], world.users["w2"] = extra
    for role in ("member", "moderator", "w1", "w2"):
        response = rsvp(world, role, "available")
        assert response.status_code == 201
    return world


def seats(world):
    event = Event.objects.get(pk=world.event.pk)
    waiting = list(
        Availability.objects.filter(event=event, waitlisted=True)
        .order_by("waitlist_position")
        .values_list("user_id", "waitlist_position")
    )
    return event.attendees, waiting


def test_rsvp_shapes_and_waitlist(full_world):
    world = full_world
    body = rsvp(world, "w2", "available", notes="bringing cake").json()
    assert body == {
        "user": {"id": str(world.users["w2"].pk), "name": world.users["w2"].name, "avatar": None},
        "status": "available",
        "notes": "bringing cake",
        "waitlisted": True,
        "waitlist_position": 2,
        "updated_at": body["updated_at"],
    }
    event = world.client("w2").get(f"/api/v1/events/{world.event.pk}/").json()
    assert event["attendee_count"] == 2 and event["waitlist_count"] == 2
    assert event["attendees"] == [str(world.users["member"].pk), str(world.users["moderator"].pk)]
    assert event["my_availability"]["waitlist_position"] == 2
    me = world.client("w2").get(f"/api/v1/events/{world.event.pk}/availability/me/")
    assert me.json()["waitlisted"] is True


def test_status_change_promotes_first_in_line(full_world):
    world = full_world
    rsvp(world, "member", "unavailable")
    attendees, waiting = seats(world)
    assert attendees == [world.users["moderator"].pk, world.users["w1"].pk]
    assert waiting == [(world.users["w2"].pk, 1)]


def test_rsvp_delete_promotes_first_in_line(full_world):
    world = full_world
    assert world.client("moderator").delete(f"/api/v1/events/{world.event.pk}/availability/me/").status_code == 204
    attendees, waiting = seats(world)
    assert attendees == [world.users["member"].pk, world.users["w1"].pk]
    assert waiting == [(world.users["w2"].pk, 1)]
    assert world.client("moderator").delete(f"/api/v1/events/{world.event.pk}/availability/me/").status_code == 404
    assert world.client("moderator").get(f"/api/v1/events/{world.event.pk}/availability/me/").status_code == 404


def test_leave_or_removal_promotes_first_in_line(full_world):
    world = full_world
    member = world.users["member"]
    with transaction.atomic():
        ClubMember.objects.filter(club=world.club, user=member).update(is_active=False)
        availability_release_user(user=member, club=world.club)
    attendees, waiting = seats(world)
    assert attendees == [world.users["moderator"].pk, world.users["w1"].pk]
    assert waiting == [(world.users["w2"].pk, 1)]


def test_deactivation_promotes_first_in_line(full_world):
    world = full_world
    member = world.users["member"]
    with transaction.atomic():
        type(member).objects.filter(pk=member.pk).update(is_active=False)
        availability_release_user(user=member)
    attendees, waiting = seats(world)
    assert attendees == [world.users["moderator"].pk, world.users["w1"].pk]
    assert waiting == [(world.users["w2"].pk, 1)]


def test_raising_max_promotes_first_in_line(full_world):
    world = full_world
    response = world.client("admin").patch(f"/api/v1/events/{world.event.pk}/", {"max_attendees": 3}, format="json")
    assert response.status_code == 200
    assert response.json()["attendee_count"] == 3 and response.json()["waitlist_count"] == 1
    attendees, waiting = seats(world)
    assert attendees[-1] == world.users["w1"].pk
    assert waiting == [(world.users["w2"].pk, 1)]


def test_clearing_max_promotes_everyone_in_order(full_world):
    world = full_world
    response = world.client("admin").patch(f"/api/v1/events/{world.event.pk}/", {"max_attendees": None}, format="json")
    assert response.status_code == 200
    attendees, waiting = seats(world)
    assert attendees[2:] == [world.users["w1"].pk, world.users["w2"].pk]
    assert waiting == []


def test_lowering_max_below_seated_is_400(full_world):
    world = full_world
    response = world.client("admin").patch(f"/api/v1/events/{world.event.pk}/", {"max_attendees": 1}, format="json")
    assert response.status_code == 400
    assert error_attrs(response) == ["max_attendees"]
    assert Event.objects.get(pk=world.event.pk).max_attendees == 2


def test_moderator_sets_members_rsvp(full_world):
    world = full_world
    client = world.client("moderator")
    target = world.users["guest"]
    response = client.put(
        f"/api/v1/events/{world.event.pk}/availability/{target.pk}/", {"status": "available"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["waitlist_position"] == 3
    response = client.put(
        f"/api/v1/events/{world.event.pk}/availability/{target.pk}/", {"status": "maybe"}, format="json"
    )
    assert response.status_code == 200
    # Not a member of the club, unknown or malformed: 404.
    for user_id in (world.users["outsider"].pk, uuid.uuid4(), "abc"):
        response = client.put(f"/api/v1/events/{world.event.pk}/availability/{user_id}/", {"status": "maybe"})
        assert response.status_code == 404


@pytest.mark.parametrize("body", [{"status": "yes"}, {}, {"status": None}, {"status": "maybe", "notes": "x" * 2001}])
def test_bad_rsvp_is_400(body):
    world = make_world()
    response = world.client("member").put(f"/api/v1/events/{world.event.pk}/availability/me/", body, format="json")
    assert response.status_code == 400


def test_summary_counts():
    world = make_world(max_attendees=1)
    extra = [ClubMemberFactory(club=world.club).user for _ in range(3)]
    ClubMemberFactory(club=world.club, is_active=False)  # a former member: not counted as no_response
    rsvp(world, "member", "available")  # seated
    rsvp(world, extra[0], "available")  # waitlisted
    rsvp(world, "moderator", "maybe")
    rsvp(world, "guest", "unavailable")
    rsvp(world, "outsider", "maybe")  # a non-member RSVP to a public event
    with CaptureQueriesContext(connection) as ctx:
        response = world.client("admin").get(f"/api/v1/events/{world.event.pk}/availability/")
    body = response.json()
    # active members: admin, guest, member, moderator + 3 extra = 7; answered: member, extra0, moderator, guest.
    assert body["summary"] == {"available": 1, "maybe": 2, "unavailable": 1, "waitlisted": 1, "no_response": 3}
    assert body["count"] == 5 and len(body["results"]) == 5
    count_queries = [
        q for q in ctx.captured_queries if "count(*)" in q["sql"].lower() and "django_cache" not in q["sql"]
    ]
    assert len(count_queries) == 1  # the summary and the page count in one aggregate query


# --- items --------------------------------------------------------------------------------------


def test_item_create_and_assignee_rules():
    world = make_world()
    client = world.client("member")
    base = f"/api/v1/events/{world.event.pk}/items/"
    response = client.post(base, {"name": "Chairs", "assigned_to": str(world.users["guest"].pk)}, format="json")
    assert response.status_code == 201
    item = response.json()
    assert set(item) == {
        "id",
        "event",
        "name",
        "category",
        "assigned_to",
        "status",
        "notes",
        "created_by",
        "created_at",
        "updated_at",
    }
    assert (item["category"], item["status"], item["created_by"]) == ("other", "pending", str(world.users["member"].pk))
    former = ClubMemberFactory(club=world.club, is_active=False).user
    inactive_user = UserFactory(is_active=False)
    for assignee in (world.users["outsider"].pk, former.pk, inactive_user.pk, uuid.uuid4(), "abc", 5):
        response = client.post(base, {"name": "X", "assigned_to": str(assignee)}, format="json")
        assert response.status_code == 400, assignee
        assert error_attrs(response) == ["assigned_to"]
        response = client.patch(f"{base}{item['id']}/", {"assigned_to": str(assignee)}, format="json")
        assert response.status_code == 400, assignee
    for body in ({"name": ""}, {"name": "x", "category": "food"}, {"name": "x", "status": "lost"}, {}):
        assert client.post(base, body, format="json").status_code == 400


# --- calendar -----------------------------------------------------------------------------------


def parse_ics(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    vevents = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(vevents) == 1
    return vevents[0]


def test_calendar_export():
    world = make_world(timezone="Europe/Berlin", event_time=dt.time(19, 30), book="Middlemarch", duration_minutes=90)
    client = world.client("member")
    url = f"/api/v1/events/{world.event.pk}/calendar.ics"
    first = parse_ics(client.get(url))
    assert str(first["UID"]) == f"{world.event.pk}@bookwork"
    start = first.decoded("DTSTART")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Berlin"
    assert first["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert (start.date(), start.time()) == (world.event.event_date, dt.time(19, 30))
    assert first.decoded("DURATION") == dt.timedelta(minutes=90)
    assert str(first["SUMMARY"]) == world.event.title
    assert str(first["LOCATION"]) == world.event.location
    assert "Middlemarch" in str(first["DESCRIPTION"])
    assert first.decoded("DTSTAMP").tzinfo is not None

    world.client("admin").patch(f"/api/v1/events/{world.event.pk}/", {"title": "Renamed"}, format="json")
    world.client("admin").patch(f"/api/v1/events/{world.event.pk}/", {"event_time": "20:00"}, format="json")
    second = parse_ics(client.get(url))
    assert str(second["UID"]) == str(first["UID"])
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 2
    assert str(second["SUMMARY"]) == "Renamed"
    assert second.decoded("DTSTART").time() == dt.time(20, 0)


# --- cheap lists --------------------------------------------------------------------------------


# Measured: without Redis the throttle's database cache costs 6 statements (savepoints included) and
# the token's user 1, on top of each list's own queries (OWN_QUERIES).
INFRASTRUCTURE_QUERIES = 7
# The events across clubs read their version first (events.sql.visible_events_version), as a
# club's events read the club's (conditional GETs, docs/architecture.md).
OWN_QUERIES = {"events": 3, "club_events": 3, "availability": 3, "items": 3}


def _own(queries):
    return [
        q
        for q in queries
        if "django_cache" not in q["sql"]
        and "SAVEPOINT" not in q["sql"]
        and 'FROM "users" WHERE' not in q["sql"]
        and 'FROM "users" u WHERE u.id =' not in q["sql"]  # the authenticated user (accounts.selectors)
    ]


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(_own(ctx.captured_queries)), response.json()


def test_lists_cost_the_same_for_1_and_100_rows(django_assert_max_num_queries):
    world = make_world()
    users = [ClubMemberFactory(club=world.club, role=ClubRole.MEMBER).user for _ in range(100)]
    events = [EventFactory(club=world.club, max_attendees=50) for _ in range(99)]
    event = world.event
    for user in users:
        rsvp(world, user, "available")
        EventItemFactory(event=event, assigned_to=user)
    for other in events[:10]:
        EventItemFactory(event=other)
    client = world.client("member")
    rsvp(world, "member", "maybe")
    for kind, url in (
        ("events", "/api/v1/events/?page_size={n}"),
        ("club_events", f"/api/v1/clubs/{world.club.pk}/events/?page_size={{n}}"),
        ("events", "/api/v1/events/?attending=false&upcoming=true&page_size={n}"),
        ("availability", f"/api/v1/events/{event.pk}/availability/?page_size={{n}}"),
        ("items", f"/api/v1/events/{event.pk}/items/?page_size={{n}}"),
    ):
        one, body_one = _queries(client, url.format(n=1))
        hundred, body_hundred = _queries(client, url.format(n=100))
        assert len(body_one["results"]) == 1 and len(body_hundred["results"]) == 100, url
        assert one == hundred == OWN_QUERIES[kind], url
        with django_assert_max_num_queries(INFRASTRUCTURE_QUERIES + OWN_QUERIES[kind]):
            client.get(url.format(n=100))


def test_leaving_the_club_through_the_api_promotes_first_in_line(full_world):
    """End to end with the clubs app: POST /clubs/{id}/leave/ releases the seat in the same transaction."""
    world = full_world
    response = world.client("member").post(f"/api/v1/clubs/{world.club.pk}/leave/")
    assert response.status_code == 204
    attendees, waiting = seats(world)
    assert attendees == [world.users["moderator"].pk, world.users["w1"].pk]
    assert waiting == [(world.users["w2"].pk, 1)]
