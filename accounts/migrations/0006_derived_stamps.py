"""Version stamps of a user's sessions (`user.sessions`: every refresh-token write); a deleted
user drops the rows of their derived scopes."""

from django.db import migrations

from core.migration_sql import derived_stamp_trigger, derived_stamps_forget


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_calendar_feed_idempotency"), ("clubs", "0008_derived_stamps")]

    operations = [
        derived_stamp_trigger("refresh_tokens", ("user.sessions", "{row}.user_id")),
        derived_stamps_forget("users", "user"),
    ]
