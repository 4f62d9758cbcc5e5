"""Join requests and invitations: the two ways into a club that are not an `open` join.

Nobody becomes a member without acting themselves (docs/clubs.md, "Getting into a club"): a join
request is the user's own ask, approved by the club; an invite is the club's offer, accepted by the
user. Both end in `clubs.services.member_admit` under the club lock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from clubs.models import Club, ClubRole
from core.models import created_at_field, uuid_primary_key

MESSAGE_MAX_LENGTH = 500


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class JoinRequest(models.Model):
    """A user's request to join an `approval` club.

    Contract: at most one PENDING request per (club, user), a partial UNIQUE index (concurrent
    asks of one user collapse into one row); decided requests stay as history. `decided_at` and
    `decided_by` are set when it leaves `pending` (by the club, or withdrawn by the user).
    """

    id = uuid_primary_key()
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.CharField(max_length=MESSAGE_MAX_LENGTH, blank=True, default="", db_default="")
    status = models.CharField(
        max_length=16,
        choices=JoinRequestStatus.choices,
        default=JoinRequestStatus.PENDING,
        db_default=JoinRequestStatus.PENDING,
    )
    created_at = created_at_field()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "club_join_requests"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["club", "status", "created_at"], name="idx_join_requests_club")]
        constraints = [
            models.UniqueConstraint(
                fields=["club", "user"],
                condition=Q(status=JoinRequestStatus.PENDING),
                name="join_requests_one_pending",
            ),
            models.CheckConstraint(condition=Q(status__in=JoinRequestStatus.values), name="join_requests_status_check"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} asks to join {self.club_id} ({self.status})"


class Invite(models.Model):
    """An invitation into a club with a role, by an unguessable code.

    Personal when it names `user` (invited by id) or `email` (that account alone, compared
    case-insensitively; stored lower-case): one use by default. Otherwise a link, ten uses by
    default. Usable while not revoked, not expired and `uses < max_uses`; `uses` only grows under
    the club lock, and a CHECK keeps it within `max_uses` whatever happens.
    """

    id = uuid_primary_key()
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=64, unique=True)
    email = models.EmailField(max_length=255, null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="club_invites"
    )
    role = models.CharField(max_length=20, choices=ClubRole.choices, default=ClubRole.MEMBER)
    max_uses = models.IntegerField()
    uses = models.IntegerField(default=0, db_default=0)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = created_at_field()
    revoked = models.BooleanField(default=False, db_default=False)
    # When the invitation email to an address with no account went out (never twice).
    emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "club_invites"
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["club", "created_at"], name="idx_club_invites_club"),
            models.Index(Lower("email"), name="idx_club_invites_email"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(max_uses__gte=1), name="club_invites_max_uses_check"),
            models.CheckConstraint(
                condition=Q(uses__gte=0) & Q(uses__lte=F("max_uses")), name="club_invites_uses_check"
            ),
            models.CheckConstraint(condition=Q(role__in=ClubRole.values), name="club_invites_role_check"),
            models.CheckConstraint(
                condition=Q(email__isnull=True) | Q(user__isnull=True), name="club_invites_email_or_user"
            ),
        ]

    def __str__(self) -> str:
        return f"Invite to {self.club_id} as {self.role}"
