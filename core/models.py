"""Building blocks shared by every Bookwork model: UUID keys that the database can generate too,
and timestamps with database defaults (kept true on UPDATE by the `updated_at` triggers of
`core/migration_sql.py`, so plain-SQL updates keep them honest as well)."""

import uuid

from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models.functions import Now


def uuid_primary_key() -> models.UUIDField:
    """A UUID primary key: Python generates it for ORM inserts, `gen_random_uuid()` for plain SQL."""
    return models.UUIDField(primary_key=True, default=uuid.uuid4, db_default=RandomUUID(), editable=False)


def created_at_field() -> models.DateTimeField:
    return models.DateTimeField(auto_now_add=True, db_default=Now())


def updated_at_field() -> models.DateTimeField:
    return models.DateTimeField(auto_now=True, db_default=Now())
