"""Database-enforced rules that Django 5.2 cannot declare: ON DELETE actions and updated_at triggers."""

from django.db import migrations

from core.migration_sql import foreign_key_on_delete, updated_at_trigger


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        foreign_key_on_delete("refresh_tokens", "user_id", "users", "CASCADE"),
        foreign_key_on_delete("refresh_tokens", "parent_id", "refresh_tokens", "SET NULL"),
        updated_at_trigger("users"),
    ]
