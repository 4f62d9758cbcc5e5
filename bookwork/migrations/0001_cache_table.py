"""The database cache table, so that `manage.py migrate` is the whole database setup.

With REDIS_URL unset the throttles keep their counters in Django's database cache (settings
`CACHES`, table `django_cache`); without the table every throttled request (register, login)
answered 500. This migration makes it as `createcachetable` would (and `createcachetable` stays
harmless: it skips a table that exists). The table is made whichever cache is configured now, so
that unsetting REDIS_URL later needs no extra step.
"""

from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

from core.sql import SQL, Identifier, text

# The table of settings.CACHES when REDIS_URL is unset.
DEFAULT_TABLE = "django_cache"


def cache_tables() -> set[str]:
    tables = {DEFAULT_TABLE}
    for cache in settings.CACHES.values():
        if cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
            tables.add(cache["LOCATION"])
    return tables


def create_cache_tables(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    for table in sorted(cache_tables()):
        command.create_table(schema_editor.connection.alias, table, dry_run=False)


def drop_cache_tables(apps, schema_editor):
    for table in sorted(cache_tables()):
        schema_editor.execute(text(SQL("DROP TABLE IF EXISTS {}").format(Identifier(table))))


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_tables, drop_cache_tables, elidable=False)]
