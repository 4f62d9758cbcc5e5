"""Users and their refresh tokens (tables `users` and `refresh_tokens` of the seed schema)."""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from core.models import created_at_field, updated_at_field, uuid_primary_key

# One source of truth for the email format: the database CHECK and the API validator both use it.
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"
email_format_validator = RegexValidator(EMAIL_PATTERN, message="Enter a valid email address.", code="invalid")


class Role(models.TextChoices):
    """Site-wide role of a user. `admin` may do everything; `guest` may read and RSVP only."""

    ADMIN = "admin", "Admin"
    MODERATOR = "moderator", "Moderator"
    MEMBER = "member", "Member"
    GUEST = "guest", "Guest"


class UserManager(BaseUserManager["User"]):
    """Creates users with a normalised (lower-case) email and an Argon2 password hash."""

    use_in_migrations = True

    @staticmethod
    def normalize_email_address(email: str) -> str:
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email=self.normalize_email_address(username))

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("Users must have an email address")
        user = self.model(email=self.normalize_email_address(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("role", Role.ADMIN)
        fields.setdefault("name", email.split("@")[0])
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with email and password.

    Contract: `email` is stored lower-case and unique (so unique case-insensitively, enforced by a
    CHECK plus a UNIQUE constraint); `role` is the site role; `token_version` is bumped to revoke
    every access token at once (logout-all, password change, deactivation); `is_staff` admits to
    Django admin. The password column is the seed's `password_hash`.
    """

    id = uuid_primary_key()
    name = models.CharField(max_length=255)
    email = models.EmailField(max_length=255, unique=True, validators=[email_format_validator])
    password = models.CharField(max_length=255, db_column="password_hash")
    phone = models.CharField(max_length=20, null=True, blank=True)
    avatar = models.CharField(max_length=500, null=True, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER, db_default=Role.MEMBER)
    is_active = models.BooleanField(default=True, db_default=True)
    is_staff = models.BooleanField(default=False, db_default=False)
    # Redeclared from PermissionsMixin only to give the column a database default for plain SQL.
    is_superuser = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Designates that this user has all permissions without explicitly assigning them.",
        verbose_name="superuser status",
    )
    last_login = models.DateTimeField(null=True, blank=True, db_column="last_login_at")
    token_version = models.PositiveIntegerField(default=0, db_default=0)
    created_at = created_at_field()
    updated_at = updated_at_field()

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        db_table = "users"
        ordering = ["email"]
        indexes = [
            models.Index(fields=["role"], name="idx_users_role"),
            models.Index(fields=["is_active"], name="idx_users_active", condition=Q(is_active=True)),
            models.Index(fields=["last_login"], name="idx_users_last_login"),
            models.Index(fields=["email"], name="idx_users_active_email", condition=Q(is_active=True)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="users_role_check"),
            models.CheckConstraint(condition=Q(email__regex=EMAIL_PATTERN), name="check_email_format"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="users_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def label(self) -> str:
        """Name and email, for people reading lists of users (the admin's inline rows, attendees)."""
        return f"{self.name} <{self.email}>" if self.name else self.email

    @property
    def is_site_admin(self) -> bool:
        return self.is_active and (self.role == Role.ADMIN or self.is_superuser)

    def clean(self) -> None:
        super().clean()
        self.email = UserManager.normalize_email_address(self.email)


class RevokeReason(models.TextChoices):
    """Why a refresh token stopped working before its expiry."""

    LOGOUT = "logout", "Logout"
    LOGOUT_ALL = "logout_all", "Logout everywhere"
    PASSWORD_CHANGE = "password_change", "Password change"
    REUSE_DETECTED = "reuse_detected", "Reuse of a spent token"
    SESSION_DELETED = "session_deleted", "Session deleted"
    DEACTIVATED = "deactivated", "User deactivated"
    ADMIN = "admin", "Revoked by staff"


class RefreshToken(models.Model):
    """One refresh token of a login session ("family"), stored only as a SHA-256 hash.

    Contract: the raw token never reaches this table. Each refresh spends the presented row
    (`used_at`, `replaced_by`) and creates its successor in the same `family_id`; presenting a spent
    token revokes the whole family. `expires_at` is the token's own expiry, `family_expires_at` the
    absolute cap of the session that rotation cannot extend.
    """

    id = uuid_primary_key()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    token_hash = models.CharField(max_length=255, unique=True)
    jti = models.CharField(max_length=64, unique=True)
    family_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    parent = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by")
    expires_at = models.DateTimeField()
    family_expires_at = models.DateTimeField()
    created_at = created_at_field()
    is_revoked = models.BooleanField(default=False, db_default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, choices=RevokeReason.choices, blank=True, default="")
    used_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        db_table = "refresh_tokens"
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["expires_at"], name="idx_refresh_tokens_expires_at"),
            models.Index(
                fields=["user", "expires_at", "is_revoked"],
                name="idx_refresh_tokens_active",
                condition=Q(is_revoked=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="check_expiry_after_creation"
            ),
            models.CheckConstraint(
                condition=Q(is_revoked=False) | Q(revoked_at__isnull=False), name="refresh_tokens_revoked_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} family {self.family_id} ({self.token_hash[:10]}…)"

    @property
    def is_live(self) -> bool:
        from django.utils import timezone

        now = timezone.now()
        return not self.is_revoked and self.used_at is None and self.expires_at > now and self.family_expires_at > now


class CalendarFeed(models.Model):
    """The private calendar feed address of a user (`/calendar/<token>.ics`).

    Contract: the address itself is never stored. `token = HMAC-SHA256(SECRET_KEY, "calendar-feed:"
    + nonce)` (`accounts.feeds`), where `nonce` holds 256 random bits; `token_hash` (SHA-256 of the
    token) is what the feed looks rows up by. A copy of the table alone gives no working address;
    rotating draws a new nonce, so the old address is dead at once."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="calendar_feed")
    nonce = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64, unique=True)
    rotated_at = created_at_field()

    class Meta:
        db_table = "calendar_feeds"

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id} ({self.token_hash[:10]}…)"


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` of a user (bookwork/idempotency.py): inserted before the request runs,
    under the unique constraint on (user, key), so a concurrent duplicate finds the row instead of
    running too. `status_code` is null while the first request runs; then the answer (status,
    content type, body) is stored for replay. `fingerprint` is SHA-256 of method, path and body."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=255, blank=True, default="")
    body = models.BinaryField(default=b"")
    created_at = created_at_field()

    class Meta:
        db_table = "idempotency_keys"
        indexes = [models.Index(fields=["created_at"], name="idx_idempotency_keys_created")]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_keys_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key} ({self.status_code or 'running'})"
