"""Derived version scopes (docs/architecture.md, "Versions, ETags and cached representations"):
`cache_scope(kind, owner)` and its bump function; a deleted club drops its derived scopes' rows."""

from django.db import migrations

from core.migration_sql import derived_stamps, derived_stamps_forget


class Migration(migrations.Migration):
    dependencies = [("clubs", "0007_cache_stamps")]

    operations = [derived_stamps(), derived_stamps_forget("clubs", "club")]
