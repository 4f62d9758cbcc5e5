"""Helpers for the SQL written by hand on the hot paths, where the ORM's per-query compilation
dominated the CPU cost of a request: the authenticated user, club and event reads and lists
(`ClubRows`, `EventRows`), RSVP lists and the RSVP upsert's locks and writes.

Only names taken from the models (`columns`, `table`, `column`, `db_type`) are interpolated into
that SQL; every value is a query parameter.

Column lists come from the model, so a new field is never left out, and rows become ordinary
model instances through `Model.from_db`, as the ORM itself builds them.
"""

from __future__ import annotations

from django.db import connection, models


def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns, qualified by `alias`, in `hydrate` order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def hydrate(model: type[models.Model], row: tuple, start: int = 0) -> tuple[models.Model, int]:
    """A `model` instance from the columns of `row` at `start` (selected with `columns`), and the
    index just after them."""
    names = [field.attname for field in model._meta.concrete_fields]
    end = start + len(names)
    return model.from_db("default", names, row[start:end]), end


def table(model: type[models.Model]) -> str:
    """The quoted table of `model`."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of `model`'s field `name` (`"user"` gives `"user_id"`)."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


def db_type(model: type[models.Model], name: str) -> str:
    """The database type of `model`'s field `name`, for casts (`uuid`, `uuid[]`, ...)."""
    return model._meta.get_field(name).db_type(connection)


def order_by(terms, expressions: dict[str, str]) -> str:
    """The ORDER BY list for `terms` (a name, `-name` for descending), each name looked up in
    `expressions`, the whitelist of orderable SQL: an unknown name is a KeyError, never SQL."""
    return ", ".join(
        f"{expressions[term[1:]]} DESC" if term.startswith("-") else f"{expressions[term]} ASC" for term in terms
    )


class PagedSql:
    """An object list for Django's `Paginator` over hand-written SQL: `count()` is one COUNT query
    and a slice `[start:stop]` one query for those rows (an empty slice none, like a queryset's).

    Subclasses set `params` (a dict) and give `page_sql()`, whose SQL takes `%(limit)s` and
    `%(offset)s`; `count_sql()` when the paginator must count (not when the caller already knows
    the total); and `row()` to turn a fetched tuple into what the page holds (the tuple itself by
    default)."""

    params: dict

    def count_sql(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} is paginated with a known count")

    def page_sql(self) -> str:
        raise NotImplementedError

    def row(self, values: tuple):
        return values

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(self.count_sql(), self.params)
            return cursor.fetchone()[0]

    def __getitem__(self, rows: slice) -> list:
        offset = rows.start or 0
        if rows.stop <= offset:
            return []
        with connection.cursor() as cursor:
            cursor.execute(self.page_sql(), {**self.params, "limit": rows.stop - offset, "offset": offset})
            return [self.row(values) for values in cursor.fetchall()]
