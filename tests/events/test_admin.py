"""The Django admin of events goes through the seat services: RSVPs edited inline and
`max_attendees` changes keep seats, waitlist and `attendees` consistent."""

from __future__ import annotations

import pytest
from django.test import Client

from events.availability.models import Availability, RsvpStatus
from events.availability.services import availability_set
from events.models import Event
from tests.events.helpers import make_world
from tests.factories import ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def _change_form(event, rsvps, *, new=(), **event_overrides):
    """POST data of the event change form with the RSVP inline (`rsvps`: existing rows, with edits)."""
    data = {
        "club": str(event.club_id),
        "title": event.title,
        "description": event.description or "",
        "event_date": str(event.event_date),
        "event_time": event.event_time.strftime("%H:%M:%S"),
        "duration_minutes": event.duration_minutes,
        "location": event.location,
        "book": event.book or "",
        "type": event.type,
        "max_attendees": event.max_attendees or "",
        "created_by": str(event.created_by_id or ""),
        "items-TOTAL_FORMS": 0,
        "items-INITIAL_FORMS": 0,
        "availabilities-TOTAL_FORMS": len(rsvps) + len(new),
        "availabilities-INITIAL_FORMS": len(rsvps),
    }
    if event.is_public:
        data["is_public"] = "on"
    for i, (row, edits) in enumerate(rsvps):
        data.update(
            {
                f"availabilities-{i}-id": str(row.pk),
                f"availabilities-{i}-event": str(event.pk),
                f"availabilities-{i}-user": str(row.user_id),
                f"availabilities-{i}-status": row.status,
                f"availabilities-{i}-notes": row.notes or "",
            }
        )
        data.update({f"availabilities-{i}-{k}": v for k, v in edits.items()})
    for j, (user, status) in enumerate(new, start=len(rsvps)):
        data.update(
            {
                f"availabilities-{j}-event": str(event.pk),
                f"availabilities-{j}-user": str(user.pk),
                f"availabilities-{j}-status": status,
            }
        )
    data.update(event_overrides)
    return data


@pytest.fixture
def full_event():
    world = make_world(max_attendees=1)
    users = [ClubMemberFactory(club=world.club).user for _ in range(3)]
    for user in users:
        availability_set(event_id=world.event.pk, user=user, status=RsvpStatus.AVAILABLE)
    return Event.objects.get(pk=world.event.pk), users


def _rows(event):
    return list(Availability.objects.filter(event=event).order_by("created_at", "id"))


def test_admin_change_list_and_form_render(staff_client, full_event):
    event, _ = full_event
    assert staff_client.get("/admin/events/event/").status_code == 200
    assert staff_client.get("/admin/events/event/?q=Event").status_code == 200
    assert staff_client.get(f"/admin/events/event/{event.pk}/change/").status_code == 200
    assert staff_client.get("/admin/availability/availability/").status_code == 200
    assert staff_client.get("/admin/event_items/eventitem/").status_code == 200


def test_inline_status_change_promotes_through_the_service(staff_client, full_event):
    event, users = full_event
    rows = _rows(event)
    data = _change_form(event, [(rows[0], {"status": "unavailable"}), (rows[1], {}), (rows[2], {})])
    response = staff_client.post(f"/admin/events/event/{event.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event.refresh_from_db()
    assert event.attendees == [users[1].pk]
    waiting = Availability.objects.get(event=event, waitlisted=True)
    assert (waiting.user_id, waiting.waitlist_position) == (users[2].pk, 1)


def test_inline_new_available_rsvp_is_waitlisted(staff_client, full_event):
    event, _ = full_event
    late = ClubMemberFactory(club=event.club).user
    rows = _rows(event)
    data = _change_form(event, [(r, {}) for r in rows], new=[(late, "available")])
    response = staff_client.post(f"/admin/events/event/{event.pk}/change/", data)
    assert response.status_code == 302
    row = Availability.objects.get(event=event, user=late)
    assert (row.waitlisted, row.waitlist_position) == (True, 3)


def test_inline_delete_promotes(staff_client, full_event):
    event, users = full_event
    rows = _rows(event)
    data = _change_form(event, [(rows[0], {"DELETE": "on"}), (rows[1], {}), (rows[2], {})])
    assert staff_client.post(f"/admin/events/event/{event.pk}/change/", data).status_code == 302
    event.refresh_from_db()
    assert event.attendees == [users[1].pk]


def test_admin_max_attendees_raise_promotes_and_lowering_is_refused(staff_client, full_event):
    event, users = full_event
    rows = _rows(event)
    sequence = event.sequence
    data = _change_form(event, [(r, {}) for r in rows], max_attendees=3)
    assert staff_client.post(f"/admin/events/event/{event.pk}/change/", data).status_code == 302
    event.refresh_from_db()
    assert event.attendees == [u.pk for u in users]
    assert event.sequence == sequence + 1
    assert not Availability.objects.filter(event=event, waitlisted=True).exists()

    rows = _rows(event)
    data = _change_form(event, [(r, {}) for r in rows], max_attendees=2)
    response = staff_client.post(f"/admin/events/event/{event.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    assert b"seats are taken" in response.content
    event.refresh_from_db()
    assert event.max_attendees == 3


def test_admin_rsvp_delete_from_its_own_admin_promotes(staff_client, full_event):
    event, users = full_event
    seated = Availability.objects.get(event=event, user=users[0])
    response = staff_client.post(f"/admin/availability/availability/{seated.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.attendees == [users[1].pk]


def test_deleting_an_event_in_admin_goes_through_the_locking_service(staff_client, monkeypatch):
    from events import admin as events_admin

    world = make_world()
    availability_set(event_id=world.event.pk, user=world.users["member"], status=RsvpStatus.AVAILABLE)
    calls = []
    real = events_admin.event_delete
    monkeypatch.setattr(events_admin, "event_delete", lambda **kw: calls.append(kw) or real(**kw))
    response = staff_client.post(f"/admin/events/event/{world.event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert calls == [{"event_id": world.event.pk}]
    assert not Event.objects.filter(pk=world.event.pk).exists()
    assert not Availability.objects.filter(event_id=world.event.pk).exists()
