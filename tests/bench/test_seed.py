"""`manage.py bench_seed`: fast bulk data whose shape obeys the seat and membership rules."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from accounts.models import User
from bench.dataset import INVARIANT_QUERIES, TAGS, check_invariants, user_email
from clubs.models import Club, ClubMember
from events.availability.models import Availability
from events.items.models import EventItem
from events.models import Event
from notifications import kinds
from notifications.models import Notification

SIZE = {"users": 600, "clubs": 40, "events": 800, "rsvps": 8000}

ORPHANS = {
    "members without user": "SELECT count(*) FROM club_members m LEFT JOIN users u ON u.id = m.user_id WHERE u.id IS NULL",
    "members without club": "SELECT count(*) FROM club_members m LEFT JOIN clubs c ON c.id = m.club_id WHERE c.id IS NULL",
    "events without club": "SELECT count(*) FROM events e LEFT JOIN clubs c ON c.id = e.club_id WHERE c.id IS NULL",
    "rsvps without event": "SELECT count(*) FROM availability a LEFT JOIN events e ON e.id = a.event_id WHERE e.id IS NULL",
    "rsvps without user": "SELECT count(*) FROM availability a LEFT JOIN users u ON u.id = a.user_id WHERE u.id IS NULL",
    "items without event": "SELECT count(*) FROM event_items i LEFT JOIN events e ON e.id = i.event_id WHERE e.id IS NULL",
    "attendee not a user": "SELECT count(*) FROM events e, unnest(e.attendees) a(id) WHERE NOT EXISTS "
    "(SELECT 1 FROM users u WHERE u.id = a.id)",
    "owner not an active admin": "SELECT count(*) FROM clubs c WHERE NOT EXISTS (SELECT 1 FROM club_members m "
    "WHERE m.club_id = c.id AND m.user_id = c.owner_id AND m.is_active AND m.role = 'admin')",
    "member of a club while inactive user": "SELECT count(*) FROM club_members m JOIN users u ON u.id = m.user_id "
    "WHERE m.is_active AND NOT u.is_active",
    "notifications without user": "SELECT count(*) FROM notifications n LEFT JOIN users u ON u.id = n.user_id "
    "WHERE u.id IS NULL",
    "notification of another club's event": "SELECT count(*) FROM notifications n JOIN events e ON e.id = n.event_id "
    "WHERE e.club_id IS DISTINCT FROM n.club_id",
    "notification to a non-member": "SELECT count(*) FROM notifications n WHERE NOT EXISTS (SELECT 1 FROM "
    "club_members m WHERE m.club_id = n.club_id AND m.user_id = n.user_id AND m.is_active)",
    "item assignee not an active member": "SELECT count(*) FROM event_items i JOIN events e ON e.id = i.event_id "
    "WHERE i.assigned_to_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM club_members m WHERE m.club_id = e.club_id "
    "AND m.user_id = i.assigned_to_id AND m.is_active)",
}


def _seed(*flags: str, **sizes) -> str:
    out = StringIO()
    args = [f"--{key}={value}" for key, value in {**SIZE, **sizes}.items()]
    call_command("bench_seed", *args, *flags, stdout=out)
    return out.getvalue()


def _count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.fixture
def seeded(db) -> str:
    return _seed()


def test_seed_writes_the_requested_sizes_and_reports_progress(seeded):
    assert User.objects.count() == SIZE["users"]
    assert Club.objects.count() == SIZE["clubs"]
    assert Event.objects.count() == SIZE["events"]
    # A target, not exact: each event draws a random number of RSVPs around its share.
    assert 0.9 * SIZE["rsvps"] <= Availability.objects.count() <= 1.1 * SIZE["rsvps"]
    assert EventItem.objects.exists()
    assert "rows/s" in seeded
    assert "availability" in seeded


def test_seeded_data_obeys_every_invariant(seeded):
    with connection.cursor() as cursor:
        violations = check_invariants(cursor)
    assert violations == dict.fromkeys(INVARIANT_QUERIES, 0)


def test_seeded_data_has_no_dangling_references(seeded):
    # Foreign-key triggers are skipped during the load, so prove the generator wrote no orphans.
    assert {name: _count(sql) for name, sql in ORPHANS.items()} == dict.fromkeys(ORPHANS, 0)


def test_seeded_data_has_a_believable_shape(seeded):
    sizes = sorted(row["n"] for row in ClubMember.objects.filter(is_active=True).values("club").annotate(n=Count("id")))
    assert sizes[len(sizes) // 2] <= 30, "most clubs are small"
    assert sizes[-1] >= 150, "a few clubs are large"
    tags = {tag for club_tags in Club.objects.values_list("tags", flat=True) for tag in club_tags}
    assert tags <= set(TAGS) and len(tags) > 5
    assert _count("SELECT count(*) FROM events WHERE event_date < CURRENT_DATE") > 0
    assert _count("SELECT count(*) FROM events WHERE event_date > CURRENT_DATE") > 0
    assert Availability.objects.filter(waitlisted=True).exists(), "some events have a waitlist"
    assert Event.objects.filter(max_attendees__isnull=True).exists()
    statuses = set(Availability.objects.values_list("status", flat=True).distinct())
    assert statuses == {"available", "maybe", "unavailable"}
    assert (
        _count(
            "SELECT count(*) FROM clubs c WHERE max_members = (SELECT count(*) FROM club_members m "
            "WHERE m.club_id = c.id AND m.is_active)"
        )
        > 0
    ), "some clubs are full"


def test_every_user_signs_in_with_the_one_password(seeded):
    user = User.objects.get(email=user_email(0))
    assert check_password("bench-password-2026", user.password)
    assert User.objects.values("password").distinct().count() == 1


def test_seed_refuses_a_database_with_data_unless_reset(seeded):
    with pytest.raises(CommandError, match="already holds data"):
        _seed()
    _seed("--reset", users=100, clubs=5, events=20, rsvps=50)
    # Replaced, not added to.
    assert User.objects.count() == 100
    assert Event.objects.count() == 20


def test_seed_is_deterministic_for_a_seed(db):
    _seed(users=50, clubs=3, events=10, rsvps=40)
    first = sorted(Event.objects.values_list("id", "attendees"))
    _seed("--reset", users=50, clubs=3, events=10, rsvps=40)
    assert sorted(Event.objects.values_list("id", "attendees")) == first


def test_invariant_checks_catch_broken_seat_data(seeded):
    # The checks themselves must be able to fail: break one event in each way they look for.
    event = Event.objects.filter(max_attendees__isnull=False, attendees__len__gt=0).first()
    extra = Availability.objects.filter(event__club=event.club).exclude(event=event).first().user_id
    Event.objects.filter(pk=event.pk).update(attendees=[*event.attendees, extra], max_attendees=len(event.attendees))
    waiting = Availability.objects.filter(waitlisted=True).first()
    Availability.objects.filter(pk=waiting.pk).update(waitlist_position=99)
    with connection.cursor() as cursor:
        violations = check_invariants(cursor)
    assert violations["event_over_capacity"] == 1
    assert violations["attendees_differ_from_seated_rsvps"] >= 1
    assert violations["attendee_set_differs_from_seated_rsvps"] >= 1
    assert violations["waitlist_positions_not_1_to_n"] >= 1


def test_seeded_notifications_look_like_real_ones(seeded):
    notes = Notification.objects.all()
    memberships = ClubMember.objects.filter(is_active=True).count()
    assert 1.5 * memberships <= notes.count() <= 4.5 * memberships  # about 3 per active membership
    assert set(notes.values_list("kind", flat=True).distinct()) <= set(kinds.KINDS)
    assert {"event_created", "event_reminder", "event_changed"} <= set(notes.values_list("kind", flat=True))
    assert notes.filter(read_at__isnull=True).exists() and notes.filter(read_at__isnull=False).exists()
    assert not notes.filter(created_at__gt=timezone.now()).exists()
    assert not notes.filter(read_at__lt=F("created_at")).exists()
    assert (
        _count(
            "SELECT count(*) FROM notifications n JOIN events e ON e.id = n.event_id WHERE n.created_at < e.created_at"
        )
        == 0
    )
    sample = notes.filter(kind="event_changed").select_related("club").first()
    assert sample.body.startswith("The ") and sample.club.name in sample.body
    # Most readers have an inbox to list (the bench's "list my notifications").
    readers = ClubMember.objects.filter(is_active=True).values("user").distinct().count()
    assert notes.values("user").distinct().count() >= 0.8 * readers
