"""Names for the hand-written SQL of RSVPs, taken from the models (as `bookwork.queries.columns`
does), so no table or column name is spelled twice. Only these quoted identifiers are ever
interpolated into SQL; every value is a query parameter."""

from __future__ import annotations

from django.db import connection, models


def table(model: type[models.Model]) -> str:
    """The quoted table of `model`."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of `model`'s field `name` (`"user"` gives `"user_id"`)."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


def db_type(model: type[models.Model], name: str) -> str:
    """The database type of `model`'s field `name`, for casts (`uuid`, `uuid[]`, ...)."""
    return model._meta.get_field(name).db_type(connection)
