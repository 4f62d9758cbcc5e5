"""Who is told what, in words, when events are created, changed, cancelled or deleted (API and
admin), and which of them get an email job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from clubs.models import ClubRole
from events.availability.models import Availability, RsvpStatus
from events.availability.services import availability_upsert
from notifications.models import EmailPreference, Notification
from notifications.services import EMAIL_TASK
from tests.conftest import client_for
from tests.events.test_admin import _change_form
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db

# A Thursday, far enough ahead to be upcoming whenever the suite runs.
THURSDAY = dt.date(2036, 12, 18)


def night_readers():
    """Night Readers (Europe/London) with a meeting on Thu 18 Dec 2036 at 19:00 in The Library, a
    moderator, and members who answered available (seated), available (waitlisted), maybe,
    unavailable, and one who did not answer."""
    club = ClubFactory(name="Night Readers", timezone="Europe/London")
    moderator = ClubMemberFactory(club=club, role=ClubRole.MODERATOR).user
    event = EventFactory(
        club=club,
        title="Middlemarch, part 1",
        type="meeting",
        event_date=THURSDAY,
        event_time=dt.time(19, 0),
        location="The Library",
        max_attendees=1,
    )
    people = {}
    for name, status in [
        ("seated", RsvpStatus.AVAILABLE),
        ("waitlisted", RsvpStatus.AVAILABLE),
        ("maybe", RsvpStatus.MAYBE),
        ("unavailable", RsvpStatus.UNAVAILABLE),
        ("silent", None),
    ]:
        people[name] = ClubMemberFactory(club=club).user
        if status:
            availability_upsert(event_id=event.pk, user=people[name], status=status)
    return club, moderator, event, people


def told(kind, **filters):
    return {n.user_id: n for n in Notification.objects.filter(kind=kind, **filters)}


def email_jobs() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT args->>'notification_id' FROM procrastinate_jobs WHERE task_name = %s", [EMAIL_TASK])
        return [row[0] for row in cursor.fetchall()]


def test_change_of_location_tells_who_answered_in_words():
    club, moderator, event, people = night_readers()
    response = client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"location": "The Old Mill"})
    assert response.status_code == 200
    notified = told("event_changed")
    assert set(notified) == {people["seated"].pk, people["waitlisted"].pk, people["maybe"].pk}
    note = notified[people["maybe"].pk]
    assert note.body == "The meeting of Night Readers on Thu 18 Dec moved to The Old Mill."
    assert note.title == "The meeting of Night Readers on Thu 18 Dec changed"
    assert (note.club_id, note.event_id) == (club.pk, event.pk)
    assert note.data["starts_at_text"] == "Thursday 18 December 2036, 19:00 (Europe/London)"
    assert note.data["url"].endswith(f"/api/v1/events/{event.pk}/")


def test_change_of_time_and_book_and_of_nothing_told():
    _, moderator, event, _people = night_readers()
    client = client_for(moderator)
    assert client.patch(f"/api/v1/events/{event.pk}/", {"title": "Renamed", "description": "x"}).status_code == 200
    assert not told("event_changed")
    body = {"event_date": "2036-12-19", "event_time": "19:30:00", "book": "Persuasion"}
    assert client.patch(f"/api/v1/events/{event.pk}/", body).status_code == 200
    bodies = {n.body for n in told("event_changed").values()}
    assert bodies == {
        "The meeting of Night Readers on Thu 18 Dec moved to Fri 19 Dec at 19:30 and will now discuss Persuasion."
    }


def test_new_event_tells_the_members_but_not_its_author():
    club, moderator, _, people = night_readers()
    outsider = UserFactory()
    body = {
        "title": "Persuasion",
        "event_date": "2036-12-30",
        "event_time": "18:00",
        "location": "Café",
        "type": "social",
    }
    response = client_for(moderator).post(f"/api/v1/clubs/{club.pk}/events/", body)
    assert response.status_code == 201
    notified = told("event_created", event_id=response.json()["id"])
    assert set(notified) == {club.owner_id, *(user.pk for user in people.values())}
    assert outsider.pk not in notified and moderator.pk not in notified
    assert (
        notified[club.owner_id].body == "Night Readers has a new social, “Persuasion”, on Tue 30 Dec at 18:00 at Café."
    )


def test_cancel_and_delete_tell_who_answered():
    club, moderator, event, people = night_readers()
    client = client_for(moderator)
    assert client.post(f"/api/v1/events/{event.pk}/cancel/", {"reason": "the host is ill"}).status_code == 200
    notified = told("event_cancelled")
    assert set(notified) == {people["seated"].pk, people["waitlisted"].pk, people["maybe"].pk}
    assert notified[people["seated"].pk].body == (
        "The meeting of Night Readers on Thu 18 Dec at 19:00 is cancelled: the host is ill."
    )
    # Deleting a cancelled event tells nobody again; deleting an upcoming one does.
    assert client.delete(f"/api/v1/events/{event.pk}/").status_code == 204
    assert Notification.objects.filter(kind="event_cancelled").count() == 3
    other = EventFactory(club=club, event_date=THURSDAY, title="Emma")
    availability_upsert(event_id=other.pk, user=people["maybe"], status=RsvpStatus.MAYBE)
    assert client.delete(f"/api/v1/events/{other.pk}/").status_code == 204
    deleted = Notification.objects.get(kind="event_cancelled", title__contains="Emma")
    assert deleted.user_id == people["maybe"].pk
    assert deleted.event_id is None  # the event is gone; the notification stays
    assert deleted.club_id == club.pk


def test_past_events_tell_nobody():
    club, moderator, _, people = night_readers()
    past = EventFactory(club=club, event_date=timezone.localdate() - dt.timedelta(days=3))
    availability_upsert(event_id=past.pk, user=people["maybe"], status=RsvpStatus.MAYBE)
    client = client_for(moderator)
    assert client.patch(f"/api/v1/events/{past.pk}/", {"location": "Elsewhere"}).status_code == 200
    assert client.delete(f"/api/v1/events/{past.pk}/").status_code == 204
    assert not Notification.objects.filter(kind__in=["event_changed", "event_cancelled"]).exists()


def test_admin_edit_goes_through_the_services_and_tells_people(client):
    _club, _, event, people = night_readers()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    rows = [(row, {}) for row in Availability.objects.filter(event=event).order_by("created_at", "id")]
    data = _change_form(event, rows, event_date="2036-12-20")
    response = client.post(f"/admin/events/event/{event.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    notified = told("event_changed")
    assert set(notified) == {people["seated"].pk, people["waitlisted"].pk, people["maybe"].pk}
    assert "moved to Sat 20 Dec at 19:00" in notified[people["seated"].pk].body


def test_admin_add_and_delete_tell_people(client):
    _club, _, event, people = night_readers()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = _change_form(event, [], title="Emma", event_date="2036-12-27")
    response = client.post("/admin/events/event/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert people["silent"].pk in told("event_created", event__title="Emma")
    response = client.post(f"/admin/events/event/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert set(told("event_cancelled")) == {people["seated"].pk, people["waitlisted"].pk, people["maybe"].pk}


def test_email_jobs_follow_each_users_settings(settings):
    settings.EMAIL_ENABLED = True
    _, moderator, event, people = night_readers()
    EmailPreference.objects.create(user=people["maybe"], kind="event_changed", email=False)
    assert client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"location": "The Old Mill"}).status_code == 200
    notified = told("event_changed")
    jobs = email_jobs()
    assert sorted(jobs) == sorted(str(notified[people[name].pk].pk) for name in ("seated", "waitlisted"))


def test_no_email_jobs_when_email_is_off(settings):
    settings.EMAIL_ENABLED = False
    _, moderator, event, _ = night_readers()
    assert client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"location": "The Old Mill"}).status_code == 200
    assert Notification.objects.filter(kind="event_changed").count() == 3
    assert email_jobs() == []


def test_inactive_users_are_not_told():
    _, moderator, event, people = night_readers()
    type(people["maybe"]).objects.filter(pk=people["maybe"].pk).update(is_active=False)
    assert client_for(moderator).patch(f"/api/v1/events/{event.pk}/", {"location": "The Old Mill"}).status_code == 200
    assert people["maybe"].pk not in told("event_changed")


def test_admin_cancel_action_tells_people_and_freezes_the_rsvps(client):
    _, _, event, people = night_readers()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/events/event/", {"action": "cancel_events", "_selected_action": [str(event.pk)]}, follow=True
    )
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.status == "cancelled"
    assert set(told("event_cancelled")) == {people["seated"].pk, people["waitlisted"].pk, people["maybe"].pk}
    page = client.get(f"/admin/events/event/{event.pk}/change/")
    assert page.status_code == 200
    assert not page.context["inline_admin_formsets"][0].has_change_permission
