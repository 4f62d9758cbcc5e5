"""The private calendar feed (`/calendar/<token>.ics`, events/feed.py) and its address
(`/api/v1/auth/me/calendar-feed/`, accounts/feeds.py): what is in it, who it belongs to,
rotation, 304s, throttling. Parsed with `icalendar` and with `ics`, an independent parser."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from accounts.feeds import calendar_feed_token
from accounts.models import CalendarFeed
from clubs.models import ClubMember
from events.availability.services import availability_set
from events.calendar import event_uid
from events.feed import feed_version
from events.models import EventStatus
from tests.conftest import client_for
from tests.factories import AvailabilityFactory, ClubFactory, ClubMemberFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def feed_url(user) -> str:
    url = client_for(user).get("/api/v1/auth/me/calendar-feed/").json()["url"]
    return url.removeprefix("http://testserver")


def vevents(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(component["UID"]): component for component in calendar.walk("VEVENT")}


@pytest.fixture
def world():
    """A member of a private club in Berlin and of a public club in New York, with events they
    answered available, maybe, unavailable and not at all, one cancelled, one long past."""
    user = UserFactory()
    berlin = ClubFactory(is_public=False, timezone="Europe/Berlin")
    new_york = ClubFactory(is_public=True, timezone="America/New_York")
    for club in (berlin, new_york):
        ClubMemberFactory(club=club, user=user)
    today = timezone.localdate()
    events = {
        "available": EventFactory(club=berlin, event_date=today + dt.timedelta(days=3)),
        "maybe": EventFactory(club=new_york, event_date=today + dt.timedelta(days=5)),
        "unavailable": EventFactory(club=berlin, event_date=today + dt.timedelta(days=6)),
        "unanswered": EventFactory(club=new_york, event_date=today + dt.timedelta(days=8)),
        "cancelled": EventFactory(club=berlin, event_date=today + dt.timedelta(days=9), status=EventStatus.CANCELLED),
        "recent": EventFactory(club=new_york, event_date=today - dt.timedelta(days=29)),
        "old": EventFactory(club=new_york, event_date=today - dt.timedelta(days=31)),
    }
    availability_set(event_id=events["available"].pk, user=user, status="available")
    for name, status in (("maybe", "maybe"), ("unavailable", "unavailable"), ("cancelled", "available")):
        AvailabilityFactory(event=events[name], user=user, status=status)
    for name in ("recent", "old"):
        AvailabilityFactory(event=events[name], user=user, status="available")
    return user, events


def uids(world, *names) -> set[str]:
    return {event_uid(world[1][name]) for name in names}


def test_the_feed_holds_the_answered_events_from_30_days_back(world, api_client):
    user, events = world
    found = vevents(api_client.get(feed_url(user)))
    assert set(found) == uids(world, "available", "maybe", "cancelled", "recent")
    assert found[event_uid(events["cancelled"])]["STATUS"] == "CANCELLED"
    assert found[event_uid(events["available"])]["STATUS"] == "CONFIRMED"
    assert found[event_uid(events["available"])]["DTSTART"].params["TZID"] == "Europe/Berlin"


def test_all_true_holds_every_event_of_the_users_clubs(world, api_client):
    user, _ = world
    found = vevents(api_client.get(feed_url(user) + "?all=true"))
    assert set(found) == uids(world, "available", "maybe", "unavailable", "unanswered", "cancelled", "recent")


def test_uid_sequence_and_timezones_match_the_single_event_export(world, api_client):
    user, events = world
    event = events["available"]
    client_for(event.club.owner).patch(f"/api/v1/events/{event.pk}/", {"location": "Elsewhere"}, format="json")
    single = icalendar.Calendar.from_ical(client_for(user).get(f"/api/v1/events/{event.pk}/calendar.ics").content)
    single_event = single.walk("VEVENT")[0]
    feed = icalendar.Calendar.from_ical(api_client.get(feed_url(user)).content)
    in_feed = next(c for c in feed.walk("VEVENT") if c["UID"] == single_event["UID"])
    assert in_feed["SEQUENCE"] == single_event["SEQUENCE"] == 1
    assert in_feed["DTSTART"].dt == single_event["DTSTART"].dt
    assert str(in_feed["LOCATION"]) == "Elsewhere"
    assert {str(tz["TZID"]) for tz in feed.walk("VTIMEZONE")} == {"Europe/Berlin", "America/New_York"}


def test_an_independent_parser_reads_the_feed(world, api_client):
    user, events = world
    calendar = ics.Calendar(api_client.get(feed_url(user) + "?all=true").content.decode())
    by_uid = {event.uid: event for event in calendar.events}
    assert set(by_uid) == uids(world, "available", "maybe", "unavailable", "unanswered", "cancelled", "recent")
    available = events["available"]
    parsed = by_uid[event_uid(available)]
    assert parsed.name == available.title
    expected_start = dt.datetime.combine(available.event_date, available.event_time, tzinfo=ZoneInfo("Europe/Berlin"))
    assert parsed.begin.datetime == expected_start
    assert parsed.duration == dt.timedelta(minutes=available.duration_minutes)
    assert parsed.status == "CONFIRMED"
    assert by_uid[event_uid(events["cancelled"])].status == "CANCELLED"


def test_a_left_club_drops_out_and_other_users_events_never_show(world, api_client):
    user, events = world
    stranger = UserFactory()
    other = EventFactory(club=ClubFactory(is_public=False))
    AvailabilityFactory(event=other, user=stranger, status="available")
    url = feed_url(user)
    assert event_uid(other) not in vevents(api_client.get(url + "?all=true"))
    ClubMember.objects.filter(club=events["available"].club, user=user).update(is_active=False)
    assert set(vevents(api_client.get(url))) == uids(world, "maybe", "recent")
    # An RSVP to an event of a club the user is not a member of does not put it in the feed either.
    AvailabilityFactory(event=EventFactory(club=ClubFactory(is_public=True), is_public=True), user=user)
    assert set(vevents(api_client.get(url))) == uids(world, "maybe", "recent")
    assert set(vevents(api_client.get(feed_url(stranger)))) == set()


def test_the_address_is_stable_secret_and_stored_hashed(user):
    first = client_for(user).get("/api/v1/auth/me/calendar-feed/").json()
    assert client_for(user).get("/api/v1/auth/me/calendar-feed/").json() == first
    token = first["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) == 43  # 256 bits, base64url
    assert first["url"] == f"http://testserver/calendar/{token}.ics"
    row = CalendarFeed.objects.get(user=user)
    assert token not in (row.nonce, row.token_hash)
    assert client_for(UserFactory()).get("/api/v1/auth/me/calendar-feed/").json() != first


def test_rotation_kills_the_old_address_at_once(user, api_client):
    old = feed_url(user)
    rotated = client_for(user).post("/api/v1/auth/me/calendar-feed/rotate/")
    assert rotated.status_code == 200
    new = rotated.json()["url"].removeprefix("http://testserver")
    assert new != old
    assert api_client.get(old).status_code == 404
    assert api_client.get(old).json()["errors"][0]["code"] == "not_found"
    assert api_client.get(new).status_code == 200
    assert feed_url(user) == new


def test_a_password_change_rotates_the_address(user, api_client, password):
    old = feed_url(user)
    response = client_for(user).post(
        "/api/v1/auth/password/", {"current_password": password, "new_password": "a-brand-new-passphrase-42"}
    )
    assert response.status_code in (200, 204), response.content
    assert api_client.get(old).status_code == 404
    user.refresh_from_db()
    assert api_client.get(feed_url(user)).status_code == 200


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 44, "../../etc"])
def test_unknown_or_malformed_tokens_are_404(api_client, token):
    assert api_client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_deactivated_users_feed_is_gone(user, api_client):
    url = feed_url(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert api_client.get(url).status_code == 404


def test_the_address_endpoints_need_a_token(api_client):
    assert api_client.get("/api/v1/auth/me/calendar-feed/").status_code == 401
    assert api_client.post("/api/v1/auth/me/calendar-feed/rotate/").status_code == 401


def test_etag_and_last_modified_give_304_until_something_changes(world, api_client):
    user, events = world
    url = feed_url(user)
    first = api_client.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('W/"')
    with CaptureQueriesContext(connection) as queries:
        again = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    # One statement reads the feed (the others are the throttles' cache): no event is loaded.
    reads = [query["sql"] for query in queries.captured_queries if '"events"' in query["sql"]]
    assert len(reads) == 1 and "calendar_feeds" in reads[0]
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert api_client.get(url, HTTP_IF_NONE_MATCH='"other", ' + etag).status_code == 304
    assert api_client.get(url + "?all=true", HTTP_IF_NONE_MATCH=etag).status_code == 200  # another feed
    # An edit of an event in the feed changes the ETag.
    client_for(events["maybe"].club.owner).patch(
        f"/api/v1/events/{events['maybe'].pk}/", {"title": "Renamed"}, format="json"
    )
    changed = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Renamed" in changed.content.decode()
    # So does an event leaving the feed (the RSVP changed to unavailable) ...
    etag = changed["ETag"]
    availability_set(event_id=events["available"].pk, user=user, status="unavailable")
    dropped = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert dropped.status_code == 200 and event_uid(events["available"]) not in dropped.content.decode()
    # ... and an edit of a club (its time zone changes every DTSTART).
    etag = dropped["ETag"]
    events["maybe"].club.__class__.objects.filter(pk=events["maybe"].club_id).update(timezone="Asia/Tokyo")
    assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    old = http_date((timezone.now() - dt.timedelta(days=400)).timestamp())
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=old).status_code == 200


def test_the_every_event_feed_does_not_move_with_the_users_answers(world):
    """With `?all=true` the user's RSVPs choose no event and the calendar shows none of them: an
    answer leaves its ETag and Last-Modified alone (the answered feed's move)."""
    user, events = world
    token = calendar_feed_token(user=user)
    every, answered = (feed_version(token=token, every_event=flag) for flag in (True, False))
    availability_set(event_id=events["unanswered"].pk, user=user, status="maybe")
    assert feed_version(token=token, every_event=True) == every
    etag, last_modified, event_ids = feed_version(token=token, every_event=False)
    assert etag != answered[0] and last_modified > answered[1] and events["unanswered"].pk in event_ids


def test_calendar_clients_accept_header_is_served(world, api_client):
    user, _ = world
    assert api_client.get(feed_url(user), HTTP_ACCEPT="text/calendar").status_code == 200


def test_the_feed_is_throttled_per_address(user, api_client, monkeypatch):
    # DRF binds THROTTLE_RATES to the throttle classes at import; patch them there.
    from rest_framework import throttling

    monkeypatch.setattr(
        throttling.SimpleRateThrottle,
        "THROTTLE_RATES",
        dict(throttling.SimpleRateThrottle.THROTTLE_RATES, calendar_feed="3/min"),
    )
    url, other = feed_url(user), feed_url(UserFactory())
    assert [api_client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert api_client.get(url)["Retry-After"]
    assert api_client.get(other).status_code == 200  # another address has its own bucket


def test_a_built_feed_is_served_again_until_its_version_changes(world, api_client, monkeypatch):
    """Apps that fetch without If-None-Match get the stored text of the same version; any change
    that moves the ETag (here an edit, and the answered set) is a fresh build, never stale text."""
    from events import feed

    user, events = world
    url = feed_url(user)
    builds = []
    real = feed.events_calendar_ics

    def counting(*args, **kwargs):
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(feed, "events_calendar_ics", counting)
    first, second = api_client.get(url), api_client.get(url)
    assert first.content == second.content and len(builds) == 1
    client_for(events["maybe"].club.owner).patch(
        f"/api/v1/events/{events['maybe'].pk}/", {"title": "Moved"}, format="json"
    )
    third = api_client.get(url)
    assert "Moved" in third.content.decode() and len(builds) == 2
    availability_set(event_id=events["available"].pk, user=user, status="unavailable")
    fourth = api_client.get(url)
    assert event_uid(events["available"]) not in fourth.content.decode() and len(builds) == 3
    other = (
        client_for(user).post("/api/v1/auth/me/calendar-feed/rotate/").json()["url"].removeprefix("http://testserver")
    )
    assert api_client.get(url).status_code == 404 and api_client.get(other).status_code == 200


def test_after_a_secret_key_change_the_address_shown_works(user, api_client, settings):
    """Found by a second `make bench` on the same data (a new key per run): the address GET showed
    was a 404, since the stored hash was of the old key's address."""
    old = feed_url(user)
    settings.SECRET_KEY = settings.SECRET_KEY + "-rotated"
    new = feed_url(user)
    assert new != old
    assert api_client.get(old).status_code == 404
    assert api_client.get(new).status_code == 200
