"""Database-enforced rules that Django 5.2 cannot declare: ON DELETE actions and updated_at triggers."""

from django.db import migrations

from core.migration_sql import foreign_key_on_delete, updated_at_trigger


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [
        foreign_key_on_delete("events", "club_id", "clubs", "CASCADE"),
        foreign_key_on_delete("events", "created_by_id", "users", "SET NULL"),
        updated_at_trigger("events"),
    ]
