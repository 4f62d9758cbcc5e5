"""Events, RSVPs and items through the HTTP API: shapes, seats, filters, calendar, errors, query counts."""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zoneinfo

import icalendar
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clubs.models import ClubMember, ClubRole
from events.availability.models import Availability
from events.availability.services import availability_release_user
from events.models import Event
from tests.conftest import client_for
from tests.events.helpers import error_attrs, make_world
from tests.factories import ClubMemberFactory, EventFactory, EventItemFactory, UserFactory

pytestmark = pytest.mark.django_db

FUTURE = dt.date.today() + dt.timedelta(days=30)


def event_body(**overrides):
    body = {
        "title": "Middlemarch, part 1",
        "description": "Chapters 1-20",
        "event_date": str(FUTURE),
        "event_time": "19:30:00",
        "duration_minutes": 90,
        "location": "Library, room 2",
        "book": "Middlemarch",
        "type": "discussion",
        "max_attendees": 10,
        "is_public": True,
    }
    body.update(overrides)
    return body


# --- events -------------------------------------------------------------------------------------


def test_create_returns_every_field_and_reads_back_the_same():
    world = make_world()
    client = world.client("moderator")
    response = client.post(f"/api/v1/clubs/{world.club.pk}/events/", event_body(), format="json")
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    created = response.json()
    assert set(created) == {
        "id",
        "club",
        "title",
        "description",
        "event_date",
        "event_time",
        "duration_minutes",
        "location",
        "book",
        "type",
        "max_attendees",
        "is_public",
        "status",
        "cancel_reason",
        "created_by",
        "attendees",
        "attendee_count",
        "waitlist_count",
        "my_availability",
        "created_at",
        "updated_at",
    }
    assert created["event_date"] == str(FUTURE)
    assert created["event_time"] == "19:30:00"
    assert created["duration_minutes"] == 90
    assert created["club"] == str(world.club.pk)
    assert created["created_by"] == str(world.users["moderator"].pk)
    assert created["attendees"] == [] and created["attendee_count"] == 0 and created["waitlist_count"] == 0
    assert created["my_availability"] is None
    assert created["updated_at"].startswith(str(dt.date.today().year)) or created["updated_at"][:4] >= "2026"
    assert client.get(f"/api/v1/events/{created['id']}/").json() == created


def test_defaults_on_create():
    world = make_world()
    body = {"title": "T", "event_date": str(FUTURE), "event_time": "10:00", "location": "Here"}
    created = world.client("admin").post(f"/api/v1/clubs/{world.club.pk}/events/", body, format="json").json()
    assert (created["type"], created["duration_minutes"], created["max_attendees"], created["is_public"]) == (
        "discussion",
        120,
        None,
        False,
    )
    assert created["event_time"] == "10:00:00"


def test_dates_times_and_locations_round_trip_per_event():
    """Pitfalls 2 and 3: every event reads back its own date, time and location."""
    world = make_world()
    client = world.client("admin")
    specs = [
        (FUTURE + dt.timedelta(days=i), f"{8 + i:02d}:{10 * i + 5:02d}:00", f"Place {i}", t)
        for i, t in enumerate(["discussion", "meeting", "social", "planning", "other"])
    ]
    for date, time, location, kind in specs:
        body = event_body(event_date=str(date), event_time=time, location=location, type=kind)
        assert client.post(f"/api/v1/clubs/{world.club.pk}/events/", body, format="json").status_code == 201
    results = client.get(f"/api/v1/clubs/{world.club.pk}/events/?date_from={FUTURE}").json()["results"]
    got = [(r["event_date"], r["event_time"], r["location"], r["type"]) for r in results]
    assert got == [(str(d), t, loc, k) for d, t, loc, k in specs]


def test_past_start_is_refused_in_the_clubs_time_zone():
    # 10 minutes ago in Auckland: refused, even though that wall-clock time may be in the future in UTC.
    world = make_world(timezone="Pacific/Auckland")
    now_there = timezone.now().astimezone(zoneinfo.ZoneInfo("Pacific/Auckland")) - dt.timedelta(minutes=10)
    body = event_body(event_date=str(now_there.date()), event_time=now_there.strftime("%H:%M:%S"))
    response = world.client("admin").post(f"/api/v1/clubs/{world.club.pk}/events/", body, format="json")
    assert response.status_code == 400
    assert error_attrs(response) == ["event_date"]
    later = now_there + dt.timedelta(minutes=30)
    body = event_body(event_date=str(later.date()), event_time=later.strftime("%H:%M:%S"))
    response = world.client("admin").post(f"/api/v1/clubs/{world.club.pk}/events/", body, format="json")
    assert response.status_code == 201


def test_past_event_stays_editable_except_moving_into_the_past():
    """Pitfall 9: an edit of a past event must not fail; the edit is applied and echoed."""
    world = make_world(event_date=dt.date.today() - dt.timedelta(days=3))
    client = world.client("admin")
    response = client.patch(f"/api/v1/events/{world.event.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"
    assert Event.objects.get(pk=world.event.pk).title == "Renamed"
    response = client.patch(
        f"/api/v1/events/{world.event.pk}/",
        {"event_date": str(dt.date.today() - dt.timedelta(days=1))},
        format="json",
    )
    assert response.status_code == 400


def test_patch_bumps_sequence_and_echoes_changes():
    world = make_world()
    client = world.client("moderator")
    before = Event.objects.get(pk=world.event.pk).sequence
    for n in range(1, 3):
        response = client.patch(f"/api/v1/events/{world.event.pk}/", {"location": f"Room {n}"}, format="json")
        assert response.json()["location"] == f"Room {n}"
        assert Event.objects.get(pk=world.event.pk).sequence == before + n


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"type": "party"}, "type"),
        ({"type": None}, "type"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"duration_minutes": 10**12}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"max_attendees": 0}, "max_attendees"),
        ({"max_attendees": 10**12}, "max_attendees"),
        ({"event_date": "2026-13-01"}, "event_date"),
        ({"event_date": "0001-01-01"}, "event_date"),
        ({"event_date": "tomorrow"}, "event_date"),
        ({"event_time": "25:00"}, "event_time"),
        ({"event_time": "19:00+02:00"}, "event_time"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 256}, "title"),
        ({"title": "nul\x00byte"}, "title"),
        ({"location": None}, "location"),
        ({"is_public": "perhaps"}, "is_public"),
    ],
)
def test_bad_event_input_is_400(overrides, attr):
    world = make_world()
    response = world.client("admin").post(
        f"/api/v1/clubs/{world.club.pk}/events/", event_body(**overrides), format="json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert attr in error_attrs(response)
    response = world.client("admin").patch(f"/api/v1/events/{world.event.pk}/", overrides, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("body", ["not json", "[1, 2]", "null", '{"title": '])
def test_malformed_bodies_are_400(body):
    world = make_world()
    client = world.client("admin")
    for method, path in (
        ("post", f"/api/v1/clubs/{world.club.pk}/events/"),
        ("patch", f"/api/v1/events/{world.event.pk}/"),
        ("put", f"/api/v1/events/{world.event.pk}/availability/me/"),
        ("post", f"/api/v1/events/{world.event.pk}/items/"),
    ):
        response = getattr(client, method)(path, body, content_type="application/json")
        assert response.status_code == 400, (method, path)


def test_missing_event_is_404_not_403_and_hidden_looks_the_same():
    """Pitfall 13."""
    world = make_world(club_public=False, event_public=False)
    client = world.client("outsider")
    unknown = client.get(f"/api/v1/events/{uuid.uuid4()}/")
    hidden = client.get(f"/api/v1/events/{world.event.pk}/")
    malformed = client.get("/api/v1/events/not-a-uuid/")
    for response in (unknown, hidden, malformed):
        assert response.status_code == 404
        assert response.json() == {
            "type": "client_error",
            "errors": [{"code": "not_found", "detail": unknown.json()["errors"][0]["detail"], "attr": None}],
        }
    for suffix in ("availability/", "availability/me/", "items/", f"items/{uuid.uuid4()}/", "calendar.ics"):
        assert client.get(f"/api/v1/events/{world.event.pk}/{suffix}").status_code == 404
        assert client.get(f"/api/v1/events/{uuid.uuid4()}/{suffix}").status_code == 404
    # Writes to a hidden event are 404 too, never 403.
    assert client.patch(f"/api/v1/events/{world.event.pk}/", {"title": "x"}, format="json").status_code == 404
    assert client.delete(f"/api/v1/events/{world.event.pk}/").status_code == 404


def test_empty_lists_are_empty_arrays():
    world = make_world()
    client = world.client("member")
    event = world.event
    assert client.get("/api/v1/events/?type=social").json()["results"] == []
    assert client.get(f"/api/v1/events/{event.pk}/items/").json()["results"] == []
    body = client.get(f"/api/v1/events/{event.pk}/availability/").json()
    assert body["results"] == [] and body["count"] == 0
    assert client.get(f"/api/v1/events/{event.pk}/").json()["attendees"] == []


def test_item_of_another_event_is_404():
    world = make_world()
    other = EventItemFactory(event=EventFactory(club=world.club))
    assert world.client("admin").get(f"/api/v1/events/{world.event.pk}/items/{other.pk}/").status_code == 404


# --- filters ------------------------------------------------------------------------------------


def test_list_filters():
    world = make_world(timezone="Europe/Berlin")
    member = world.users["member"]
    client = world.client("member")
    today = dt.date.today()
    past = EventFactory(club=world.club, event_date=today - dt.timedelta(days=5), type="social")
    soon = EventFactory(club=world.club, event_date=today + dt.timedelta(days=2), type="meeting")
    later = EventFactory(club=world.club, event_date=today + dt.timedelta(days=40), type="meeting")
    elsewhere = make_world()  # another club the member does not belong to, public event
    client.put(f"/api/v1/events/{soon.pk}/availability/me/", {"status": "available"}, format="json")
    client.put(f"/api/v1/events/{later.pk}/availability/me/", {"status": "maybe"}, format="json")

    def ids(query):
        response = client.get(f"/api/v1/events/?{query}")
        assert response.status_code == 200, response.json()
        return {e["id"] for e in response.json()["results"]}

    mine = {str(e.pk) for e in (world.event, past, soon, later)}
    assert ids("") == mine | {str(elsewhere.event.pk)}
    assert ids(f"club={world.club.pk}") == mine
    assert ids("type=meeting") == {str(soon.pk), str(later.pk)}
    assert ids(f"date_from={today}&club={world.club.pk}") == mine - {str(past.pk)}
    assert ids(f"date_to={today}") == {str(past.pk)}
    assert ids(f"upcoming=true&club={world.club.pk}") == mine - {str(past.pk)}
    assert ids("attending=true") == {str(soon.pk)}
    assert str(soon.pk) not in ids("attending=false")
    # The club's own list takes the same filters.
    response = client.get(f"/api/v1/clubs/{world.club.pk}/events/?type=meeting&attending=true")
    assert [e["id"] for e in response.json()["results"]] == [str(soon.pk)]
    # `attending` follows seats, not mere RSVPs.
    assert member.pk in Event.objects.get(pk=soon.pk).attendees


@pytest.mark.parametrize(
    "query",
    [
        "club=nope",
        "type=party",
        "date_from=yesterday",
        "date_to=2026-02-30",
        "upcoming=perhaps",
        "attending=2",
        "ordering=password",
        "date_from=2026-05-02&date_to=2026-05-01",
        "page=0",
        "page_size=abc",
    ],
)
def test_invalid_filters_are_400_not_500(query):
    world = make_world()
    response = world.client("member").get(f"/api/v1/events/?{query}")
    assert response.status_code in (400, 404) if query.startswith("page=") else response.status_code in (200, 400)
    if not query.startswith("page"):
        assert response.status_code == 400
        assert response.json()["type"] == "validation_error"


@pytest.mark.parametrize("query", ["status=lost", "category=food", "assigned_to=someone", "assigned_to=12"])
def test_invalid_item_filters_are_400(query):
    world = make_world()
    response = world.client("member").get(f"/api/v1/events/{world.event.pk}/items/?{query}")
    assert response.status_code == 400


def test_item_filters():
    world = make_world()
    member = world.users["member"]
    event = world.event
    mine = EventItemFactory(event=event, assigned_to=member, status="in_progress", category="material")
    theirs = EventItemFactory(event=event, assigned_to=world.users["moderator"], status="pending", category="task")
    EventItemFactory(event=event, assigned_to=None, status="completed", category="agenda")
    client = world.client("member")

    def ids(query):
        return [i["id"] for i in client.get(f"/api/v1/events/{event.pk}/items/?{query}").json()["results"]]

    assert ids("assigned_to=me") == [str(mine.pk)]
    assert ids(f"assigned_to={world.users['moderator'].pk}") == [str(theirs.pk)]
    assert ids("status=pending") == [str(theirs.pk)]
    assert ids("category=material&status=in_progress") == [str(mine.pk)]
    assert len(ids("")) == 3


def test_attending_filter_is_served_by_the_gin_index():
    """A few thousand events; EXPLAIN of the `attending=true` query shows idx_events_attendees.

    On a table this small the planner may still prefer a sequential scan (reading a few hundred
    pages is cheap), so the plan is taken with `enable_seqscan = off`: that does not force an index
    the operator cannot use (`= ANY(attendees)` would still scan), it only shows that `@>` CAN be
    answered from the GIN index, which is what the planner picks once the table is large."""
    world = make_world()
    user = world.users["member"]
    rng = random.Random(5)
    pool = [uuid.uuid4() for _ in range(300)]
    events = [
        Event(
            club=world.club,
            title=f"E{i}",
            event_date=FUTURE,
            event_time=dt.time(19),
            location="X",
            attendees=rng.sample(pool, 5) + ([user.pk] if i % 500 == 0 else []),
        )
        for i in range(3000)
    ]
    Event.objects.bulk_create(events, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events")
    # Unordered: the question is which index can find the rows, not how a page of them is sorted.
    queryset = Event.objects.filter(attendees__contains=[user.pk]).order_by()
    assert "@>" in str(queryset.query)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
        negative = Event.objects.extra(where=["%s = ANY(attendees)"], params=[user.pk]).order_by().explain()
    assert "idx_events_attendees" in plan, plan
    assert "idx_events_attendees" not in negative
    assert queryset.count() == 6

    response = client_for(user).get("/api/v1/events/?attending=true&page_size=100")
    assert response.json()["count"] == 6


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
OWN_QUERIES = {"events": 2, "club_events": 3, "availability": 3, "items": 3}


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
