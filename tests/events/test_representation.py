"""The hand-written representations and SQL reads of the hot event paths give exactly what DRF's
generic serializer path and the ORM give (core/representation.py, core/sql.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from events.availability.models import RsvpStatus
from events.items.models import EventItem
from events.items.serializers import EventItemSerializer
from events.models import Event
from events.selectors import event_get_visible
from events.serializers import EventSerializer
from tests.events.reference import events_attach_rsvp_state
from tests.factories import AvailabilityFactory, ClubMemberFactory, EventFactory, EventItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _generic(serializer_class, instance) -> bytes:
    """JSON of DRF's own field-by-field representation, which the hand-written one must equal."""
    return JSONRenderer().render(serializers.ModelSerializer.to_representation(serializer_class(instance), instance))


def _fast(serializer_class, instance) -> bytes:
    return JSONRenderer().render(serializer_class(instance).data)


@pytest.fixture
def varied_events():
    """Events covering nulls, empty and full attendee lists, a waitlist, and RSVPs of the viewer."""
    viewer = UserFactory()
    plain = EventFactory(description=None, book=None, max_attendees=None, created_by=None, is_public=True)
    ClubMemberFactory(club=plain.club, user=viewer)
    club = plain.club
    full = EventFactory(club=club, max_attendees=1, event_time=dt.time(7, 5, 9), duration_minutes=45)
    seated, waiting = UserFactory(), UserFactory()
    Event.objects.filter(pk=full.pk).update(attendees=[seated.pk])
    AvailabilityFactory(event=full, user=seated, status=RsvpStatus.AVAILABLE)
    AvailabilityFactory(event=full, user=waiting, status=RsvpStatus.AVAILABLE, waitlisted=True, waitlist_position=1)
    AvailabilityFactory(event=full, user=viewer, status=RsvpStatus.AVAILABLE, waitlisted=True, waitlist_position=2)
    mine = EventFactory(club=club, description="")
    AvailabilityFactory(event=mine, user=viewer, status=RsvpStatus.MAYBE, notes=None)
    return viewer, [plain, full, mine]


ZONES = ["UTC", "Europe/Berlin", "America/St_Johns"]


@pytest.mark.parametrize("zone", ZONES)
def test_event_representation_equals_the_generic_path(varied_events, zone):
    viewer, events = varied_events
    with timezone.override(zone):
        _assert_events_equal(viewer, events)


def _assert_events_equal(viewer, events):
    for event in events:
        loaded, _ = event_get_visible(user=viewer, event_id=event.pk, with_my_rsvp=True)
        assert _fast(EventSerializer, loaded) == _generic(EventSerializer, loaded)
    page = events_attach_rsvp_state(list(Event.objects.filter(pk__in=[e.pk for e in events])), user=viewer)
    for event in page:
        assert _fast(EventSerializer, event) == _generic(EventSerializer, event)


def test_rsvp_state_matches_the_rows(varied_events):
    viewer, (plain, full, mine) = varied_events
    page = events_attach_rsvp_state(list(Event.objects.filter(pk__in=[plain.pk, full.pk, mine.pk])), user=viewer)
    by_id = {event.pk: event for event in page}
    assert [by_id[plain.pk].waitlist_count, by_id[full.pk].waitlist_count, by_id[mine.pk].waitlist_count] == [0, 2, 0]
    assert by_id[plain.pk].my_rsvp == []
    assert [(r.status, r.waitlist_position, r.user_id) for r in by_id[full.pk].my_rsvp] == [("available", 2, viewer.pk)]
    assert [r.status for r in by_id[mine.pk].my_rsvp] == ["maybe"]
    detail, access = event_get_visible(user=viewer, event_id=full.pk, with_my_rsvp=True)
    assert detail.waitlist_count == 2 and detail.my_rsvp[0].pk == by_id[full.pk].my_rsvp[0].pk
    assert detail.club == full.club and detail.club.name == full.club.name
    assert access.role == "member"


def test_event_detail_is_one_query(varied_events):
    viewer, (_, full, _) = varied_events
    with CaptureQueriesContext(connection) as queries:
        event_get_visible(user=viewer, event_id=full.pk, with_my_rsvp=True)
        event_get_visible(user=viewer, event_id=full.pk)
    assert len(queries) == 2


@pytest.mark.parametrize("zone", ZONES)
def test_item_representation_equals_the_generic_path(zone):
    event = EventFactory()
    EventItemFactory(event=event, assigned_to=UserFactory(), notes="bring cake")
    EventItemFactory(event=event, assigned_to=None, created_by=None, notes=None)
    with timezone.override(zone):
        for item in EventItem.objects.filter(event=event):
            assert _fast(EventItemSerializer, item) == _generic(EventItemSerializer, item)
