"""Version stamps of a user's notifications (`user.notifications`) and email settings
(`user.settings`)."""

from django.db import migrations

from core.migration_sql import derived_stamp_trigger


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_webhook_disabled_kind"), ("clubs", "0008_derived_stamps")]

    operations = [
        derived_stamp_trigger("notifications", ("user.notifications", "{row}.user_id")),
        derived_stamp_trigger("notification_email_preferences", ("user.settings", "{row}.user_id")),
    ]
