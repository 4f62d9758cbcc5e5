"""The SQL read of the event lists (`EventRows`, `event_row_representation`) against the ORM read
it replaced (`events_visible_to` / `club_events_visible_to`, the list filters with
`events_upcoming`, `events_attach_rsvp_state` and `EventSerializer`): same rows in the same order,
same counts, same bodies."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.db import connection, transaction
from django.http import Http404, QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.fields import empty
from rest_framework.renderers import JSONRenderer

from accounts.models import Role
from clubs.models import ClubRole
from clubs.selectors import club_get_visible_with_access
from events.availability.models import RsvpStatus
from events.models import Event, EventType
from events.selectors import EventRows
from events.serializers import EventFilterSerializer, EventSerializer, event_row_representation
from events.views import FILTER_NAMES
from tests.conftest import client_for
from tests.events.reference import (
    club_events_visible_to,
    events_attach_rsvp_state,
    events_upcoming,
    events_visible_to,
)
from tests.factories import AvailabilityFactory, ClubFactory, ClubMemberFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db

ORDERINGS = ["", "ordering=event_date", "ordering=-event_date", "ordering=created_at", "ordering=-created_at"]
ORDERINGS += ["ordering=title", "ordering=-title"]


def orm_read(user, query: str, *, club=None, access=None) -> list[Event]:
    """What the event lists read before `EventRows`, page state attached."""
    params = EventFilterSerializer(data=QueryDict(query).dict())
    params.is_valid(raise_exception=True)
    filters = params.validated_data
    if club is not None:
        events = club_events_visible_to(user, club=club, access=access)
    else:
        events = events_visible_to(user)
        if filters.get("club"):
            events = events.filter(club_id=filters["club"])
    if filters.get("type"):
        events = events.filter(type=filters["type"])
    if filters.get("date_from"):
        events = events.filter(event_date__gte=filters["date_from"])
    if filters.get("date_to"):
        events = events.filter(event_date__lte=filters["date_to"])
    if filters.get("upcoming") is True:
        events = events_upcoming(events)
    if filters.get("attending") is not None:
        mine = {"attendees__contains": [user.pk]}
        events = events.filter(**mine) if filters["attending"] else events.exclude(**mine)
    ordering = filters.get("ordering")
    events = events.order_by(*([ordering, "id"] if ordering else ["event_date", "event_time", "id"]))
    return events_attach_rsvp_state(list(events), user=user)


def sql_read(user, query: str, *, access=None) -> EventRows:
    params = EventFilterSerializer(data=QueryDict(query).dict())
    params.is_valid(raise_exception=True)
    filters = dict(params.validated_data)
    if access is not None:
        filters.pop("club", None)
    return EventRows(user=user, access=access, **filters)


def render(data) -> bytes:
    return JSONRenderer().render(data)


def at_local(zone: str, delta: dt.timedelta) -> dict:
    """`event_date` and `event_time` of the instant now + `delta` on the wall clock of `zone`."""
    moment = (timezone.now() + delta).astimezone(zoneinfo.ZoneInfo(zone))
    return {"event_date": moment.date(), "event_time": moment.time().replace(microsecond=0)}


@pytest.fixture
def catalogue():
    """A viewer and varied events: clubs public and private, with and without the viewer (active,
    former), in zones far from UTC; events public and private, just before and after now on their
    club's clock, past and future, of equal date, time and title (only the id orders those), with
    empty and shared attendee lists, waitlists, and RSVPs of the viewer of every kind."""
    viewer, other, waiting = UserFactory(), UserFactory(), UserFactory()
    public_mine = ClubFactory(is_public=True, timezone="Pacific/Kiritimati")  # UTC+14
    public_theirs = ClubFactory(is_public=True, timezone="Pacific/Pago_Pago")  # UTC-11
    private_mine = ClubFactory(is_public=False, timezone="America/St_Johns")  # UTC-3:30 / -2:30
    private_theirs = ClubFactory(is_public=False)
    private_former = ClubFactory(is_public=False, timezone="Asia/Kolkata")
    ClubMemberFactory(club=public_mine, user=viewer)
    ClubMemberFactory(club=private_mine, user=viewer, role=ClubRole.MODERATOR)
    ClubMemberFactory(club=private_former, user=viewer, is_active=False)
    ClubMemberFactory(club=public_theirs, user=other)
    clubs = [public_mine, public_theirs, private_mine, private_theirs, private_former]

    today = timezone.localdate()
    events = []
    for index, club in enumerate(clubs):
        for is_public in (True, False):
            for hours in (-30, -1, 1, 30):
                events.append(
                    EventFactory(
                        club=club,
                        is_public=is_public,
                        title=f"T{(index + hours) % 3}",
                        type=list(EventType.values)[(index + hours) % len(EventType.values)],
                        **at_local(club.timezone, dt.timedelta(hours=hours)),
                    )
                )
        # Equal date, time and title: only the id orders them.
        for _ in range(2):
            events.append(
                EventFactory(
                    club=club, is_public=True, title="Same", event_date=today + dt.timedelta(days=3), created_by=None
                )
            )
        events.append(EventFactory(club=club, is_public=True, event_date=today - dt.timedelta(days=40)))
    nulls = EventFactory(
        club=public_mine, is_public=True, description=None, book=None, max_attendees=None, created_by=None
    )
    events.append(nulls)
    full = EventFactory(club=public_mine, is_public=True, max_attendees=2, event_time=dt.time(7, 5, 9))
    Event.objects.filter(pk=full.pk).update(attendees=[viewer.pk, other.pk])
    AvailabilityFactory(event=full, user=viewer, status=RsvpStatus.AVAILABLE, notes="cake")
    AvailabilityFactory(event=full, user=other, status=RsvpStatus.AVAILABLE)
    AvailabilityFactory(event=full, user=waiting, status=RsvpStatus.AVAILABLE, waitlisted=True, waitlist_position=1)
    crowded = EventFactory(club=public_theirs, is_public=True, max_attendees=1)
    Event.objects.filter(pk=crowded.pk).update(attendees=[other.pk])
    AvailabilityFactory(event=crowded, user=other, status=RsvpStatus.AVAILABLE)
    AvailabilityFactory(event=crowded, user=waiting, status=RsvpStatus.AVAILABLE, waitlisted=True, waitlist_position=1)
    AvailabilityFactory(event=crowded, user=viewer, status=RsvpStatus.AVAILABLE, waitlisted=True, waitlist_position=2)
    AvailabilityFactory(event=events[0], user=viewer, status=RsvpStatus.MAYBE, notes=None)
    AvailabilityFactory(event=events[5], user=viewer, status=RsvpStatus.UNAVAILABLE, notes="")
    AvailabilityFactory(event=events[5], user=other, status=RsvpStatus.MAYBE)
    Event.objects.filter(pk=events[2].pk).update(attendees=[other.pk])
    return viewer, clubs, events


def queries_for(clubs) -> list[str]:
    today = timezone.localdate()
    week = today + dt.timedelta(days=7)
    return [
        "",
        "type=social",
        "type=discussion&ordering=-title",
        f"date_from={today}",
        f"date_to={today}",
        f"date_from={today - dt.timedelta(days=1)}&date_to={week}",
        "upcoming=true",
        "upcoming=false",
        "upcoming=true&attending=false",
        "attending=true",
        "attending=false",
        f"club={clubs[0].pk}",
        f"club={clubs[3].pk}",
        f"club={clubs[2].pk}&upcoming=true&type=meeting",
        "page=2&page_size=3&foo=",
    ]


def assert_same_read(user, query, ordering, expected, rows, zone):
    full = f"{query}&{ordering}" if query else ordering
    got = rows[0:100]
    assert rows.count() == len(expected), full
    assert [row.id for row in got] == [str(event.pk) for event in expected], full
    for row, event in zip(got, expected, strict=True):
        body = event_row_representation(row, user=user, zone=zone)
        assert list(body) == list(EventSerializer(event).data), full
        assert render(body) == render(EventSerializer(event).data), full
    # A window of the same order, and an empty one (no query).
    assert [row.id for row in rows[1:3]] == [str(event.pk) for event in expected[1:3]]
    assert rows[2:2] == []


@pytest.mark.parametrize("reader", ["viewer", "outsider", "site_admin"])
def test_events_list_equals_the_orm_read(catalogue, reader):
    viewer, clubs, _ = catalogue
    user = {"viewer": viewer, "outsider": UserFactory(), "site_admin": UserFactory(role=Role.ADMIN)}[reader]
    zone = timezone.get_current_timezone()
    seen = 0
    for query in queries_for(clubs):
        for ordering in ORDERINGS:
            full = f"{query}&{ordering}" if query else ordering
            expected = orm_read(user, full)
            assert_same_read(user, query, ordering, expected, sql_read(user, full), zone)
            seen += len(expected)
    assert seen > 500


@pytest.mark.parametrize("reader", ["viewer", "outsider", "site_admin"])
def test_club_events_list_equals_the_orm_read(catalogue, reader):
    viewer, clubs, _ = catalogue
    user = {"viewer": viewer, "outsider": UserFactory(), "site_admin": UserFactory(role=Role.ADMIN)}[reader]
    zone = timezone.get_current_timezone()
    visible = 0
    for club in clubs:
        try:
            club, access = club_get_visible_with_access(user=user, club_id=club.pk)
        except Http404:  # a club this reader may not see: nothing to list
            continue
        visible += 1
        for query in queries_for(clubs):
            for ordering in ("", "ordering=-title", "ordering=created_at"):
                full = f"{query}&{ordering}" if query else ordering
                expected = orm_read(user, full, club=club, access=access)
                assert_same_read(user, query, ordering, expected, sql_read(user, full, access=access), zone)
    assert visible == {"viewer": 3, "outsider": 2, "site_admin": 5}[reader]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/St_Johns"])
def test_representation_in_other_time_zones(catalogue, zone):
    viewer, _, _ = catalogue
    moment = dt.datetime(2024, 3, 31, 1, 30, 0, 123400, tzinfo=dt.UTC)  # a DST change, trailing zero µs
    Event.objects.filter(pk__in=Event.objects.order_by("id").values("pk")[:3]).update(created_at=moment)
    with timezone.override(zone):
        expected = orm_read(viewer, "")
        assert_same_read(viewer, "", "", expected, sql_read(viewer, ""), timezone.get_current_timezone())


def test_the_serializer_wants_the_rsvp_state_attached(catalogue):
    """An event without `waitlist_count` and `my_rsvp` is a caller's bug: it fails, not renders 0."""
    event = Event.objects.first()
    with pytest.raises(AttributeError):
        EventSerializer(event).data  # noqa: B018


def test_attending_filter_can_use_the_gin_index(catalogue):
    """As tests/events/test_api.py shows for the ORM filter: the `@>` of the SQL read can be
    answered from idx_events_attendees (plan taken with sequential scans off; the table is small)."""
    rows = EventRows(user=UserFactory(role=Role.ADMIN), attending=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT e.id FROM events e WHERE {rows.where}", rows.params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "@>" in rows.where
    assert "idx_events_attendees" in plan, plan


def test_lists_over_http_page_like_the_orm_read(catalogue):
    viewer, clubs, _ = catalogue
    client = client_for(viewer)
    expected = json.loads(render([EventSerializer(e).data for e in orm_read(viewer, "ordering=-title")]))
    first = client.get("/api/v1/events/", {"page_size": 7, "ordering": "-title"})
    second = client.get(first.json()["next"])
    assert list(first.json()) == ["count", "next", "previous", "results"]
    assert first.json()["count"] == second.json()["count"] == len(expected) > 7
    assert first.json()["results"] + second.json()["results"] == expected[:14]
    pages = -(-len(expected) // 7)
    assert client.get("/api/v1/events/", {"page_size": 7, "page": pages + 1}).status_code == 404

    club = clubs[2]
    # `?club=` names another club: validated, and ignored on the club's own list (as before).
    response = client.get(f"/api/v1/clubs/{club.pk}/events/", {"club": str(clubs[0].pk), "page_size": 100})
    _, access = club_get_visible_with_access(user=viewer, club_id=club.pk)
    expected = json.loads(render([EventSerializer(e).data for e in orm_read(viewer, "", club=club, access=access)]))
    assert response.json()["results"] == expected and response.json()["count"] == len(expected)
    assert client.get(f"/api/v1/clubs/{club.pk}/events/", {"club": "nope"}).status_code == 400
    assert client.get(f"/api/v1/clubs/{clubs[3].pk}/events/").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        *("type=", "type=party", "upcoming=", "attending=maybe", "date_from=2024-13-01", "club=nope", "ordering=id"),
        "date_from=2024-02-02&date_to=2024-02-01",
    ],
)
def test_bad_filters_are_400(catalogue, query):
    viewer, clubs, _ = catalogue
    client = client_for(viewer)
    for path in ("/api/v1/events/", f"/api/v1/clubs/{clubs[0].pk}/events/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert response.json()["type"] == "validation_error"


def _own(queries) -> list[str]:
    """The list's own statements: not the throttle's database cache, nor the token's user."""
    return [
        q["sql"]
        for q in queries
        if "django_cache" not in q["sql"]
        and "SAVEPOINT" not in q["sql"]
        and 'FROM "users" u WHERE u.id =' not in q["sql"]
    ]


def test_one_query_per_page_and_one_count(catalogue):
    """Events list: its version (the visible clubs' stamps, for its ETag), the page (with its RSVP
    state) and the count; the club's list: the club with its version, the page and the count. A
    short first page needs no count."""
    viewer, clubs, _ = catalogue
    client = client_for(viewer)
    for path, own in (("/api/v1/events/", 3), (f"/api/v1/clubs/{clubs[0].pk}/events/", 3)):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(path, {"page_size": 2}).json()
        assert body["count"] > 2
        assert len(_own(queries)) == own, _own(queries)
        with CaptureQueriesContext(connection) as queries:
            client.get(path, {"page_size": 100})
        assert len(_own(queries)) == own - 1, _own(queries)


@pytest.mark.parametrize("query", ["", "page=2", "page_size=5&page=1", "foo=&bar=1", "Type=social"])
def test_a_query_without_filters_validates_to_none(query):
    """The views skip `EventFilterSerializer` when no parameter names one of its fields
    (`FILTER_NAMES`): it would validate to no filters, because none is required or has a default."""
    query_params = QueryDict(query)
    assert FILTER_NAMES.isdisjoint(query_params)
    params = EventFilterSerializer(data=query_params.dict())
    assert params.is_valid() and params.validated_data == {}
    fields = EventFilterSerializer().fields
    assert set(fields) == FILTER_NAMES
    assert all(not field.required and field.default is empty for field in fields.values())


@pytest.mark.django_db
def test_next_per_club_equals_each_clubs_own_upcoming_list():
    """`events_next_per_club` (the home page's one query) gives, for every club, what the club's
    own upcoming list gives for its first rows, and nothing of an event the caller may not see."""
    from events.selectors import events_next_per_club

    reader = UserFactory()
    today = timezone.localdate()
    mine, public, private = ClubFactory(), ClubFactory(is_public=True), ClubFactory(is_public=False)
    ClubMemberFactory(club=mine, user=reader)
    for club in (mine, public, private):
        for days in (-3, 1, 2, 2, 5, 9):
            EventFactory(club=club, is_public=True, event_date=today + dt.timedelta(days=days))
    EventFactory(club=public, is_public=False, event_date=today + dt.timedelta(days=1))
    AvailabilityFactory(event=Event.objects.filter(club=mine).order_by("event_date").last(), user=reader)

    rows = events_next_per_club(user=reader, club_ids=[mine.pk, public.pk, private.pk], per_club=3)
    expected = [row for club in (mine, public) for row in EventRows(user=reader, club=club.pk, upcoming=True)[0:3]]
    key = lambda row: (row.event_date, row.event_time, row.id)  # noqa: E731
    assert [row.id for row in rows] == [row.id for row in sorted(expected, key=key)]
    assert [row.rsvp_status for row in sorted(rows, key=lambda r: r.id)] == [
        row.rsvp_status for row in sorted(expected, key=lambda r: r.id)
    ]
    assert {row.club_id for row in rows} == {str(mine.pk), str(public.pk)}
    assert events_next_per_club(user=reader, club_ids=[], per_club=3) == []
