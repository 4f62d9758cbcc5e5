"""Reminders: `reminders_send` (and `manage.py send_reminders`) tell the seated and `maybe`
answers once per event and offset, never the waitlisted or `unavailable`, never for cancelled or
started events, and skip offsets whose moment passed more than an hour ago."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection

from events.availability.models import RsvpStatus
from events.availability.services import availability_upsert
from events.services import event_cancel
from notifications.models import Notification, ReminderSent
from notifications.reminders import reminders_send
from tests.factories import ClubFactory, ClubMemberFactory, EventFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
START = dt.datetime(2036, 12, 18, 19, 0, tzinfo=BERLIN)


def reminded_event(*, reminder_hours=(168, 24), **fields):
    club = ClubFactory(name="Night Readers", timezone="Europe/Berlin", reminder_hours=list(reminder_hours))
    event = EventFactory(
        club=club, event_date=START.date(), event_time=START.time(), max_attendees=1, type="meeting", **fields
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
    return event, people


def reminders():
    return sorted((n.user_id, n.title) for n in Notification.objects.filter(kind="event_reminder"))


@pytest.mark.django_db
def test_three_runs_give_one_reminder_per_user_and_offset():
    event, people = reminded_event()
    day_before = START - dt.timedelta(hours=24) + dt.timedelta(minutes=5)
    for _ in range(3):
        reminders_send(now=day_before)
    notes = Notification.objects.filter(kind="event_reminder")
    assert sorted(n.user_id for n in notes) == sorted([people["seated"].pk, people["maybe"].pk])
    assert {n.body for n in notes} == {
        f"The meeting of Night Readers, “{event.title}”, is on Thu 18 Dec at 19:00 at {event.location}: tomorrow."
    }
    assert ReminderSent.objects.filter(event=event, offset_hours=24).count() == 2
    # The week-before offset passed days ago: skipped, not sent late.
    assert not ReminderSent.objects.filter(offset_hours=168).exists()


@pytest.mark.django_db
def test_each_offset_once_in_its_window():
    event, _people = reminded_event(reminder_hours=[168, 24, 2])
    before_any = START - dt.timedelta(hours=168) - dt.timedelta(minutes=1)
    assert reminders_send(now=before_any) == 0
    assert reminders_send(now=START - dt.timedelta(hours=168)) == 2
    assert reminders_send(now=START - dt.timedelta(hours=167, minutes=1)) == 0  # still in its hour: claimed
    assert reminders_send(now=START - dt.timedelta(hours=24) + dt.timedelta(minutes=59)) == 2
    # Two hours before, but run 61 minutes late: skipped.
    assert reminders_send(now=START - dt.timedelta(minutes=59)) == 0
    offsets = sorted(ReminderSent.objects.filter(event=event).values_list("offset_hours", flat=True))
    assert offsets == [24, 24, 168, 168]
    # Nothing once it has started.
    assert reminders_send(now=START + dt.timedelta(minutes=1)) == 0
    assert {title for _, title in reminders()} == {f"Reminder: {event.title} (Night Readers, Thu 18 Dec at 19:00)"}


@pytest.mark.django_db
def test_cancelled_events_and_waitlisted_or_unavailable_get_none():
    event, _people = reminded_event()
    event_cancel(event_id=event.pk)
    assert reminders_send(now=START - dt.timedelta(hours=24)) == 0
    assert reminders() == []


@pytest.mark.django_db
def test_answer_at_that_moment_counts():
    event, people = reminded_event()
    # The seated one drops out: the waitlisted one is seated by the time the reminder goes.
    availability_upsert(event_id=event.pk, user=people["seated"], status=RsvpStatus.UNAVAILABLE)
    reminders_send(now=START - dt.timedelta(hours=24))
    reminded = {user_id for user_id, _ in reminders()}
    assert reminded == {people["waitlisted"].pk, people["maybe"].pk}


@pytest.mark.django_db
def test_command_sends_what_is_due(capsys, settings):
    club = ClubFactory(reminder_hours=[1])
    # Starts in 30 minutes in UTC: the 1-hour reminder fell due 30 minutes ago.
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    start = now + dt.timedelta(minutes=30)
    event = EventFactory(club=club, event_date=start.date(), event_time=start.time())
    member = ClubMemberFactory(club=club).user
    availability_upsert(event_id=event.pk, user=member, status=RsvpStatus.MAYBE)
    for _ in range(3):
        call_command("send_reminders")
    assert "1 reminder notifications created" in capsys.readouterr().out
    assert Notification.objects.filter(kind="event_reminder", user=member).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_remind_once():
    """Two runs at once on their own connections: the UNIQUE constraint, not a check in Python,
    keeps it to one reminder per user and offset."""
    _event, people = reminded_event()
    at = START - dt.timedelta(hours=24)
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait()
            reminders_send(now=at)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(user_id for user_id, _ in reminders()) == sorted([people["seated"].pk, people["maybe"].pk])
