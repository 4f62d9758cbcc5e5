"""Database-enforced rules that Django 5.2 cannot declare: ON DELETE actions and updated_at triggers."""

from django.db import migrations

from core.migration_sql import foreign_key_on_delete, updated_at_trigger


class Migration(migrations.Migration):
    dependencies = [("event_items", "0001_initial")]

    operations = [
        foreign_key_on_delete("event_items", "event_id", "events", "CASCADE"),
        foreign_key_on_delete("event_items", "assigned_to_id", "users", "SET NULL"),
        foreign_key_on_delete("event_items", "created_by_id", "users", "SET NULL"),
        updated_at_trigger("event_items"),
    ]
