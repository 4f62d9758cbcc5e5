"""ON DELETE actions in the database itself (Django 5.2 only emulates them): a user's
notifications, choices and reminder records go with the user; a deleted club or event leaves its
notifications with a null id (they stay as the user's history)."""

from django.db import migrations

from bookwork.sql import foreign_key_on_delete


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial"), ("events", "0003_event_status")]

    operations = [
        foreign_key_on_delete("notifications", "user_id", "users", "CASCADE"),
        foreign_key_on_delete("notifications", "club_id", "clubs", "SET NULL"),
        foreign_key_on_delete("notifications", "event_id", "events", "SET NULL"),
        foreign_key_on_delete("notification_email_sends", "notification_id", "notifications", "CASCADE"),
        foreign_key_on_delete("notification_email_preferences", "user_id", "users", "CASCADE"),
        foreign_key_on_delete("notification_reminders_sent", "user_id", "users", "CASCADE"),
        foreign_key_on_delete("notification_reminders_sent", "event_id", "events", "CASCADE"),
    ]
