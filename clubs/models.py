"""Clubs and their memberships (tables `clubs` and `club_members` of the seed schema)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from clubs.validators import DEFAULT_REMINDER_HOURS, MAX_REMINDER_HOURS, MIN_REMINDER_HOURS, default_reminder_hours
from core.models import created_at_field, updated_at_field, uuid_primary_key


class ClubRole(models.TextChoices):
    """Role of a member inside one club. The owner always holds `admin`.

    The labels differ from the site roles' (`accounts.models.Role`) on purpose: drf-spectacular
    tells enums apart by (value, label), and the two must stay distinct OpenAPI enums.
    """

    ADMIN = "admin", "Club admin"
    MODERATOR = "moderator", "Club moderator"
    MEMBER = "member", "Club member"
    GUEST = "guest", "Club guest"


class JoinPolicy(models.TextChoices):
    """How people get into a club (docs/clubs.md, "Getting into a club"): `open` anyone who sees it
    joins, `approval` a join request a club moderator or admin approves, `invite` by invitation
    only. Private clubs are always `invite` (a CHECK constraint); public clubs default to `open`."""

    OPEN = "open", "Open"
    APPROVAL = "approval", "Approval"
    INVITE = "invite", "Invite only"


class Club(models.Model):
    """A book club.

    Contract: `max_members` (when set) caps the number of ACTIVE memberships; writes that add
    members lock the club row first (see `clubs.services`). `owner` is always an active member with
    role `admin`. `tags` are normalised lower-case strings, searched through the GIN index.
    `join_policy` (`JoinPolicy`) says how people get in; a private club is always `invite`.
    `timezone` is an IANA name; event dates and times of the club are local to it.
    `reminder_hours`: whole hours before each event's start at which its reminders go out (each
    1..720, a CHECK; `notifications.reminders` sends them).
    """

    id = uuid_primary_key()
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_clubs"
    )
    is_public = models.BooleanField(default=False, db_default=False)
    # Defaults to `invite` (a club is private unless it says otherwise, and a row written without a
    # policy stays closed); `clubs.services.club_create` gives public clubs `open`.
    join_policy = models.CharField(
        max_length=16, choices=JoinPolicy.choices, default=JoinPolicy.INVITE, db_default=JoinPolicy.INVITE
    )
    max_members = models.IntegerField(null=True, blank=True)
    meeting_frequency = models.CharField(max_length=50, null=True, blank=True)
    current_book = models.CharField(max_length=255, null=True, blank=True)
    location = models.CharField(max_length=255, null=True, blank=True)
    tags = ArrayField(models.TextField(), default=list, db_default=[], blank=True)
    timezone = models.CharField(max_length=64, default="UTC", db_default="UTC")
    reminder_hours = ArrayField(
        models.IntegerField(), default=default_reminder_hours, db_default=list(DEFAULT_REMINDER_HOURS), blank=True
    )
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        db_table = "clubs"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["is_public"], name="idx_clubs_public", condition=Q(is_public=True)),
            models.Index(fields=["name"], name="idx_clubs_name"),
            GinIndex(fields=["tags"], name="idx_clubs_tags"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(max_members__gt=0), name="clubs_max_members_check"),
            models.CheckConstraint(condition=Q(join_policy__in=JoinPolicy.values), name="clubs_join_policy_check"),
            # Outsiders cannot see a private club, so they cannot ask to join it: invitation only.
            models.CheckConstraint(
                condition=Q(is_public=True) | Q(join_policy=JoinPolicy.INVITE), name="clubs_private_invite_only"
            ),
            # Every element within bounds (`<@` the array of allowed values, answerable by PostgreSQL
            # without a function); `normalize_reminder_hours` gives the API its 400 first.
            models.CheckConstraint(
                condition=Q(reminder_hours__contained_by=list(range(MIN_REMINDER_HOURS, MAX_REMINDER_HOURS + 1))),
                name="clubs_reminder_hours_check",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClubMember(models.Model):
    """Membership of a user in a club, with the club role.

    Contract: one row per (club, user), enforced by a UNIQUE constraint; leaving or removal sets
    `is_active` false rather than deleting, so history and `books_read` survive a re-join.
    """

    id = uuid_primary_key()
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    role = models.CharField(
        max_length=20, choices=ClubRole.choices, default=ClubRole.MEMBER, db_default=ClubRole.MEMBER
    )
    joined_date = created_at_field()
    books_read = models.IntegerField(default=0, db_default=0)
    is_active = models.BooleanField(default=True, db_default=True)

    class Meta:
        db_table = "club_members"
        ordering = ["joined_date", "id"]
        indexes = [
            models.Index(fields=["club"], name="idx_club_members_club_id"),
            models.Index(fields=["user"], name="idx_club_members_user_id"),
            models.Index(fields=["club", "is_active"], name="idx_club_members_active", condition=Q(is_active=True)),
            models.Index(fields=["club", "role"], name="idx_club_members_role"),
            models.Index(
                fields=["club", "is_active", "role"], name="idx_club_members_active_role", condition=Q(is_active=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["club", "user"], name="club_members_club_id_user_id_key"),
            models.CheckConstraint(condition=Q(role__in=ClubRole.values), name="club_members_role_check"),
            models.CheckConstraint(condition=Q(books_read__gte=0), name="club_members_books_read_check"),
        ]

    def __str__(self) -> str:
        # Reads the user and the club: querysets that show many rows select_related them.
        return f"{self.user.label} in {self.club} ({self.role})"
