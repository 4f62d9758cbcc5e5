"""Building blocks shared by every Bookwork model: UUID keys that the database can generate too,
and timestamps with database defaults (kept true on UPDATE by the `updated_at` triggers of
`core/migration_sql.py`, so plain-SQL updates keep them honest as well)."""

import datetime
import uuid

from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models.functions import Now


def uuid_primary_key() -> models.UUIDField:
    """A UUID primary key: Python generates it for ORM inserts, `gen_random_uuid()` for plain SQL."""
    return models.UUIDField(primary_key=True, default=uuid.uuid4, db_default=RandomUUID(), editable=False)


class TimestampField(models.DateTimeField):
    """`auto_now_add` / `auto_now` with two differences that only Python sees (the column, its
    database default and the migrations are those of a plain DateTimeField):

    - On insert, a timestamp the caller already set is kept: a service stamps every row of one
      request with one `now`, so a new user's `created_at`, `last_login` and the session's
      `created_at`/`last_used_at` are equal instead of microseconds out of order.
    - An unsaved instance holds None, not Django's `DatabaseDefault` placeholder, so forms (the
      admin's add pages and empty inline rows) show the field empty instead of
      `<django.db.models.expressions.DatabaseDefault object at 0x...>`.
    """

    def get_default(self):
        return None

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if add and isinstance(value, datetime.datetime):
            return value
        return super().pre_save(model_instance, add)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


def created_at_field() -> models.DateTimeField:
    return TimestampField(auto_now_add=True, db_default=Now())


def updated_at_field() -> models.DateTimeField:
    return TimestampField(auto_now=True, db_default=Now())
