"""Conditional GETs of the events across clubs (`/events/`) and of one event's iCalendar export
(a club's events, an event, its items and RSVPs: test_conditional.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.http import parse_http_date

from clubs.models import Club, ClubMember
from events.models import Event
from tests.conditional_helpers import changed, refused, tag_of, unchanged
from tests.conftest import client_for
from tests.factories import AvailabilityFactory, ClubFactory, ClubMemberFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"


@pytest.mark.parametrize("path", [EVENTS, f"{EVENTS}?upcoming=true", f"{EVENTS}?page_size=1"])
def test_my_events_change_with_visible_events_only(path, monkeypatch):
    # "upcoming" is judged at the current second, which is part of its tag: held still here, so
    # that two requests straddling a second (a slow machine) do not read as a change.
    second = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=1)
    monkeypatch.setattr("events.views._next_second", lambda: second)
    member = ClubMemberFactory(club__is_public=False)
    event = EventFactory(club=member.club)
    client = client_for(member.user)
    tag = tag_of(client, path)
    EventFactory(club=ClubFactory(is_public=False))  # a club I cannot see
    unchanged(client, path, tag)
    EventFactory(club=member.club)
    tag = changed(client, path, tag)["ETag"]
    AvailabilityFactory(event=event, user=UserFactory())  # someone's RSVP: the counts change
    tag = changed(client, path, tag)["ETag"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE events SET title = 'plain SQL' WHERE id = %s", [event.pk])
    tag = changed(client, path, tag)["ETag"]
    Event.objects.filter(pk=event.pk).delete()
    changed(client, path, tag)


def test_my_events_change_with_my_memberships_and_public_events():
    me = UserFactory()
    club = ClubFactory(is_public=False)
    EventFactory(club=club)
    public = ClubFactory()
    client = client_for(me)
    tag = tag_of(client, EVENTS)
    EventFactory(club=public, is_public=False)  # a public club's private event: not mine to see...
    tag = changed(client, EVENTS, tag)["ETag"]  # (the club's version moves; the tag may only move)
    membership = ClubMemberFactory(club=club, user=me)
    response = changed(client, EVENTS, tag)
    assert response.json()["count"] == 1
    ClubMember.objects.filter(pk=membership.pk).update(is_active=False)
    assert changed(client, EVENTS, response["ETag"]).json()["count"] == 0


def _ics(event):
    return f"/api/v1/events/{event.pk}/calendar.ics"


def test_the_ics_export_is_a_function_of_the_event_and_its_club():
    member = ClubMemberFactory()
    event = EventFactory(club=member.club)
    client = client_for(member.user)
    first = client.get(_ics(event))
    tag = first["ETag"]
    assert parse_http_date(first["Last-Modified"]) == int(max(event.updated_at, event.club.updated_at).timestamp())
    # Byte for byte the same body while the tag stands (DTSTAMP is the last revision, not now).
    assert client.get(_ics(event)).content == first.content
    unchanged(client, _ics(event), tag)
    EventFactory(club=member.club)
    unchanged(client, _ics(event), tag)
    Event.objects.filter(pk=event.pk).update(title="Renamed")
    response = changed(client, _ics(event), tag)
    assert b"SUMMARY:Renamed" in response.content
    Club.objects.filter(pk=event.club_id).update(timezone="Europe/Paris")
    assert b"Europe/Paris" in changed(client, _ics(event), response["ETag"]).content


def test_the_ics_export_stays_404_for_whom_may_not_see_it():
    event = EventFactory(club=ClubFactory(is_public=False))
    tag = tag_of(client_for(event.club.owner), _ics(event))
    refused(client_for(UserFactory()), _ics(event), tag, 404)
