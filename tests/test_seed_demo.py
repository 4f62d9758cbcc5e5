"""`manage.py seed_demo`: demo data through the services, idempotent, refused in production."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from clubs.models import Club, ClubMember
from events.availability.models import Availability
from events.items.models import EventItem
from events.models import Event

pytestmark = pytest.mark.django_db


def counts():
    return [model.objects.count() for model in (User, Club, ClubMember, Event, Availability, EventItem)]


def test_seed_demo_is_idempotent_and_keeps_the_seat_rules(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first[1] == 3 and all(first)
    assert "admin@example.com" in capsys.readouterr().out
    staff = User.objects.get(email="admin@example.com")
    assert staff.is_staff and staff.check_password(settings.SEED_DEMO_PASSWORD)
    assert Club.objects.filter(is_public=False).count() == 1
    assert Availability.objects.filter(waitlisted=True).exists(), "the demo shows a waitlist"
    for event in Event.objects.filter(max_attendees__isnull=False):
        seated = list(
            Availability.objects.filter(event=event, status="available", waitlisted=False).values_list(
                "user_id", flat=True
            )
        )
        assert len(event.attendees) == len(seated) <= event.max_attendees
        assert set(event.attendees) == set(seated)
        positions = sorted(
            Availability.objects.filter(event=event, waitlisted=True).values_list("waitlist_position", flat=True)
        )
        assert positions == list(range(1, len(positions) + 1))


def test_seed_demo_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert User.objects.count() == 0
    call_command("seed_demo", "--force")
    assert User.objects.filter(email="admin@example.com").exists()
