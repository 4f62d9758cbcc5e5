"""The SQL library of the hand-written reads and writes (docs/architecture.md, "SQL").

Raw SQL lives only in the `sql.py` module of each app (and here); it is composed with
`psycopg.sql` (`SQL`, `Identifier`, `Placeholder`), never with f-strings: names are quoted as
identifiers, every value is a query parameter (`%(name)s`, `%s`). ruff's S608 is allowed in SQL
modules by `per-file-ignores` in pyproject.toml, and nowhere else.

Statements are composed once and kept as text (`text`, `functools.cache` in the SQL modules):
composing costs tens of microseconds, a cached string nothing.

Column lists come from the model (`columns`), so a new field is never left out, and rows become
ordinary model instances through `Model.from_db` (`hydrate`), as the ORM itself builds them.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping

from django.db import connection, models
from psycopg import sql
from rest_framework.exceptions import ValidationError

from core.migration_sql import EPOCH_SCOPE

SQL, Identifier, Placeholder, Composable, Literal = (
    sql.SQL,
    sql.Identifier,
    sql.Placeholder,
    sql.Composable,
    sql.Literal,
)
TRUE = SQL("TRUE")


def text(statement: Composable) -> str:
    """The SQL text of `statement`, for `cursor.execute` (and for caching)."""
    return statement.as_string(None)


def table(model: type[models.Model]) -> Identifier:
    """The table of `model`, as an identifier."""
    return Identifier(model._meta.db_table)


def column(model: type[models.Model], name: str, alias: str | None = None) -> Identifier:
    """The column of `model`'s field `name` (`"user"` gives `user_id`), qualified by `alias` if given."""
    name = model._meta.get_field(name).column
    return Identifier(alias, name) if alias else Identifier(name)


def columns(model: type[models.Model], alias: str) -> Composable:
    """The model's concrete columns, qualified by `alias`, in `hydrate` order."""
    return SQL(", ").join(Identifier(alias, field.column) for field in model._meta.concrete_fields)


_CASTS = {"text": SQL("::text"), "text[]": SQL("::text[]"), None: SQL("")}


def cast_columns(alias: str, columns: Iterable[tuple[str, str | None]]) -> Composable:
    """`alias.column` for each `(column, cast)`, cast to `text` / `text[]` where given (what
    `core.shapes.ModelShape.select` reads: ids and timestamps as text)."""
    return SQL(", ").join(SQL("{}{}").format(Identifier(alias, name), _CASTS[cast]) for name, cast in columns)


def join_columns(parts: Iterable[Composable]) -> Composable:
    """Column lists joined into one select list."""
    return SQL(", ").join(parts)


def db_type(model: type[models.Model], name: str) -> SQL:
    """The database type of `model`'s field `name`, for casts (`uuid`, `uuid[]`, ...)."""
    return SQL(model._meta.get_field(name).db_type(connection))


def hydrate(model: type[models.Model], row: tuple, start: int = 0) -> tuple[models.Model, int]:
    """A `model` instance from the columns of `row` at `start` (selected with `columns`), and the
    index just after them."""
    names = [field.attname for field in model._meta.concrete_fields]
    end = start + len(names)
    return model.from_db("default", names, row[start:end]), end


def conjunction(conditions: Iterable[Composable]) -> Composable:
    """`a AND b AND ...`, or TRUE for none."""
    conditions = list(conditions)
    return SQL(" AND ").join(conditions) if conditions else TRUE


class UnknownOrdering(ValidationError):
    """400 on `ordering` (never a KeyError, never SQL): a term that is not in the whitelist."""

    def __init__(self, term: str):
        super().__init__({"ordering": [f"Unknown ordering term {term!r}."]}, code="invalid")


def order_by(terms: Iterable[str], expressions: Mapping[str, Composable]) -> Composable:
    """The ORDER BY list for `terms` (a name, `-name` for descending), each name looked up in
    `expressions`, the whitelist of orderable SQL: an unknown name is a 400 (`UnknownOrdering`)."""
    parts = []
    for term in terms:
        name, direction = (term[1:], SQL("DESC")) if term.startswith("-") else (term, SQL("ASC"))
        if name not in expressions:
            raise UnknownOrdering(term)
        parts.append(SQL("{} {}").format(expressions[name], direction))
    return SQL(", ").join(parts)


class PagedSql(abc.ABC):
    """An object list for Django's `Paginator` over hand-written SQL: `count()` is one COUNT query
    and a slice `[start:stop]` one query for those rows (an empty slice none, like a queryset's).

    Subclasses set `params` (a dict) and give `page_sql()`, whose SQL text takes `%(limit)s` and
    `%(offset)s`; `count_sql()` when the paginator must count (not when the caller already knows
    the total); and `row()` to turn a fetched tuple into what the page holds (the tuple itself by
    default). Both return text (`text()`), built in the app's SQL module."""

    params: dict

    def count_sql(self) -> str:
        """Only lists whose total the caller does not know give this (the others never count)."""
        raise TypeError(f"{type(self).__name__} is paginated with a known count")

    @abc.abstractmethod
    def page_sql(self) -> str:
        """The SQL text of one page, taking `%(limit)s` and `%(offset)s`."""

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


# --- version stamps (docs/architecture.md, "Versions, ETags and cached representations") -------
STAMPS = Identifier("cache_stamps")


def stamp_of(scope: Composable) -> Composable:
    """The stamp of the scope `scope` (a club's or an event's id, or a derived scope). A scope
    without a row (nothing written yet, or data loaded with triggers off, e.g. `bench_seed`) reads
    0: stamps come from a sequence and are never 0, so that content has a key of its own (and the
    epoch changes when data is replaced)."""
    return SQL("coalesce((SELECT s.stamp FROM {} s WHERE s.scope_id = {}), 0)").format(STAMPS, scope)


# The database's epoch (core.migration_sql.EPOCH_SCOPE), part of every key.
EPOCH = stamp_of(SQL("{}::uuid").format(Literal(EPOCH_SCOPE)))


def derived_stamp(kind: str, owner: Composable) -> Composable:
    """The stamp of the derived scope `(kind, owner)` (core.migration_sql.DERIVED_KINDS)."""
    return stamp_of(SQL("cache_scope({}::text, {}::uuid)").format(Literal(kind), owner))


def stamps_digest(row: Composable, source: Composable) -> Composable:
    """A digest of the text `row` (made of an id and stamps) of every row of `source` (`<table>
    c WHERE ...`), in `c.id` order: exact, so a row that appears, goes or changes gives another."""
    return SQL("(SELECT md5(coalesce(string_agg({}, ',' ORDER BY c.id), '')) FROM {})").format(row, source)


def owner_version(kinds: tuple[str, ...], *extra: Composable) -> str:
    """`SELECT` the epoch, the stamps of the derived scopes `(kind, %(owner)s)` of `kinds` and then
    the `extra` expressions: the version of what one owner (a user, a webhook) holds."""
    parts = [EPOCH, *(derived_stamp(kind, Placeholder("owner")) for kind in kinds), *extra]
    return text(SQL("SELECT {}").format(SQL(", ").join(parts)))


def version_of(statement: str, params: Mapping) -> tuple:
    """The row of a version statement (one row, always)."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return tuple(cursor.fetchone())
