"""Version stamps of a club's webhooks (`club.webhooks`) and of their delivery attempts
(`club.attempts`, written by the worker: apart, so that they leave the list of hooks alone)."""

from django.db import migrations

from core.migration_sql import derived_stamp_trigger


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_history_triggers"), ("clubs", "0008_derived_stamps")]

    operations = [
        derived_stamp_trigger("webhooks", ("club.webhooks", "{row}.club_id")),
        derived_stamp_trigger(
            "webhook_attempts", ("club.attempts", "(SELECT w.club_id FROM webhooks w WHERE w.id = {row}.webhook_id)")
        ),
    ]
