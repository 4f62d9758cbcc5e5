"""Notifications (in-app, always), their email sends, users' email choices and sent reminders.

Contracts:
- `Notification` is created in the transaction of the change that causes it
  (`notifications.services`), with its title and body already rendered; `read_at` is null until
  its user marks it read. Its club and event are kept as ids and go null if those are deleted.
- `EmailSend` is the record of one email: at most one per notification (UNIQUE), inserted in the
  same transaction that sends it (`notifications.emails.notification_email_send`), so an email
  is recorded exactly when it went out.
- `EmailPreference` holds a user's choices that differ from the kind's default (UNIQUE per user
  and kind); absent rows mean the default of `notifications.kinds`.
- `ReminderSent`: one row per (user, event, offset in hours), UNIQUE: the reminder job inserts it
  before notifying, so nobody is reminded twice for the same event and offset, whatever runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bookwork.models import created_at_field, uuid_primary_key
from notifications.kinds import KIND_CHOICES, KINDS


class Notification(models.Model):
    id = uuid_primary_key()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    title = models.CharField(max_length=255)
    body = models.TextField()
    club = models.ForeignKey(
        "clubs.Club", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # What the email needs beyond title and body (event start in the club's zone, its link), as it
    # was when the notification was made: the event may have changed or gone since.
    data = models.JSONField(default=dict, blank=True)
    created_at = created_at_field()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="idx_notifications_user_new"),
            models.Index(
                fields=["user", "-created_at", "-id"], name="idx_notifications_unread", condition=Q(read_at=None)
            ),
            models.Index(fields=["user", "kind", "-created_at"], name="idx_notifications_user_kind"),
            models.Index(fields=["club"], name="idx_notifications_club"),
            models.Index(fields=["event"], name="idx_notifications_event"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=list(KINDS)), name="notifications_kind_check"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"


class EmailSend(models.Model):
    id = models.BigAutoField(primary_key=True)
    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="email_send")
    recipient = models.CharField(max_length=255)
    message_id = models.CharField(max_length=255)
    sent_at = created_at_field()

    class Meta:
        db_table = "notification_email_sends"
        indexes = [models.Index(fields=["sent_at"], name="idx_notification_sends_at")]

    def __str__(self) -> str:
        return f"{self.notification_id} to {self.recipient}"


class EmailPreference(models.Model):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences", db_index=False
    )
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    email = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "notification_email_preferences"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_email_preferences_user_kind_key"),
            models.CheckConstraint(condition=Q(kind__in=list(KINDS)), name="notification_email_preferences_kind_check"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'on' if self.email else 'off'}"


class ReminderSent(models.Model):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+", db_index=False)
    offset_hours = models.IntegerField()
    created_at = created_at_field()

    class Meta:
        db_table = "notification_reminders_sent"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user", "offset_hours"], name="notification_reminders_sent_event_user_offset_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offset_hours}h reminder of {self.event_id} to {self.user_id}"
