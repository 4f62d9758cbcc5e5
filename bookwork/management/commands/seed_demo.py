"""`manage.py seed_demo`: demo users, clubs, events, RSVPs and items for trying Bookwork out.

Idempotent: it finds what an earlier run created (by email and club name) and only adds what is
missing. Writes go through the same services as the API, so the seat and capacity rules hold.
Refuses to run with DEBUG off unless given --force, so it cannot litter a production database.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from clubs.models import Club, ClubMember, ClubRole
from clubs.services import club_create, member_add
from events.availability.models import RsvpStatus
from events.availability.services import availability_set
from events.items.services import item_create
from events.models import Event, EventType
from events.services import event_create

STAFF_EMAIL = "admin@example.com"
USERS = [
    # email, name, site role
    ("alice@example.com", "Alice Archer", Role.MEMBER),
    ("bob@example.com", "Bob Brontë", Role.MEMBER),
    ("carol@example.com", "Carol Calvino", Role.MODERATOR),
    ("dave@example.com", "Dave Dickens", Role.GUEST),
    ("erin@example.com", "Erin Eliot", Role.MEMBER),
]
CLUBS = [
    # name, owner, public, max members, tags, time zone, other members (email, club role)
    (
        "Slow Readers",
        "alice@example.com",
        True,
        12,
        ["classics", "literary-fiction"],
        "Europe/London",
        [("bob@example.com", ClubRole.MODERATOR), ("erin@example.com", ClubRole.MEMBER)],
    ),
    (
        "Sci-Fi Circle",
        "bob@example.com",
        True,
        None,
        ["science-fiction", "fantasy"],
        "America/New_York",
        [("alice@example.com", ClubRole.MEMBER), ("dave@example.com", ClubRole.GUEST)],
    ),
    (
        "Private Poetry",
        "carol@example.com",
        False,
        6,
        ["poetry"],
        "Europe/Berlin",
        [("erin@example.com", ClubRole.MEMBER)],
    ),
]


class Command(BaseCommand):
    help = "Create demo users, clubs, events, RSVPs and items (idempotent). Refuses with DEBUG off unless --force."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo refuses to run with DEBUG off; pass --force if you really mean it")
        password = settings.SEED_DEMO_PASSWORD
        with transaction.atomic():
            staff = self._user(STAFF_EMAIL, "Demo Staff", Role.ADMIN, password, staff=True)
            users = {email: self._user(email, name, role, password) for email, name, role in USERS}
            users[STAFF_EMAIL] = staff
            for name, owner, public, cap, tags, tz, members in CLUBS:
                club = Club.objects.filter(name=name).first()
                if club is None:
                    club = club_create(
                        actor=users[owner],
                        name=name,
                        description=f"{name}: a demo club.",
                        is_public=public,
                        max_members=cap,
                        meeting_frequency="monthly",
                        current_book="Middlemarch" if public else "Ariel",
                        location="Central Library",
                        tags=tags,
                        timezone_name=tz,
                    )
                for email, role in members:
                    if not ClubMember.objects.filter(club=club, user=users[email], is_active=True).exists():
                        # Staff add directly (club admins would invite: docs/joining.md).
                        member_add(actor=staff, club_id=club.pk, user=users[email], role=role)
                self._events(club, users[owner], [users[email] for email, _ in members])
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with any of these (password below):"))
        self.stdout.write(f"  {STAFF_EMAIL:<22} site admin, staff (admin at /admin/)")
        for email, _name, role in USERS:
            self.stdout.write(f"  {email:<22} site {role}")
        self.stdout.write(f"  password: {password}")

    def _user(self, email: str, name: str, role: str, password: str, *, staff: bool = False) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, name=name, role=role, is_staff=staff, is_superuser=staff)
        return user

    def _events(self, club: Club, owner: User, members: list[User]) -> None:
        if Event.objects.filter(club=club).exists():
            return
        today = timezone.now().date()
        discussion = event_create(
            club=club,
            created_by=owner,
            data={
                "title": f"{club.current_book} — part one",
                "description": "Chapters 1 to 20.",
                "event_date": today + dt.timedelta(days=14),
                "event_time": dt.time(19, 0),
                "duration_minutes": 120,
                "location": club.location or "Online",
                "book": club.current_book,
                "type": EventType.DISCUSSION,
                "max_attendees": 2,
                "is_public": club.is_public,
            },
        )
        social = event_create(
            club=club,
            created_by=owner,
            data={
                "title": "Picnic in the park",
                "event_date": today + dt.timedelta(days=30),
                "event_time": dt.time(12, 30),
                "duration_minutes": 180,
                "location": "Riverside park",
                "type": EventType.SOCIAL,
                "is_public": False,
            },
        )
        # Everyone says yes to a 2-seat discussion, so the last one waits in line.
        for user in [owner, *members]:
            availability_set(event_id=discussion.pk, user=user, status=RsvpStatus.AVAILABLE, notes=None)
        if members:
            availability_set(event_id=social.pk, user=members[0], status=RsvpStatus.MAYBE, notes="If it is sunny")
        item_create(event=discussion, created_by=owner, data={"name": "Discussion questions", "category": "agenda"})
        item_create(
            event=social,
            created_by=owner,
            data={"name": "Bring a blanket", "category": "task", "assigned_to": members[0] if members else None},
        )
