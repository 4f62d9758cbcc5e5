"""Response shapes declared once (docs/architecture.md, "Shapes").

A `ModelShape` is the typed field list of one response body: its JSON keys in order, each either
a field of the model (named as the model names it; a foreign key `club` answers its id) or a
`Computed` key. From that one list come

- the SQL that reads a row for it (`select`: typed casts, so ids and timestamps arrive as text
  and no UUID or datetime object is built per value), and the row type (`Row`, a namedtuple);
- the JSON writer (`represent`), written for speed: one converter per key, chosen once from the
  model field's type (ids and text as they are, dates ISO, times `HH:MM:SS`, timestamps through
  `core.representation.datetime_text`);
- the DRF serializer that documents it in the OpenAPI schema (`serializer`), a `ModelSerializer`
  whose `fields` are the same keys, whose computed keys are the declared `schema` fields, and
  whose `to_representation` is `represent`; DRF's own field-by-field path of that serializer is
  what the representation tests hold the writer equal to.

A new model field is therefore one entry here (plus the model and its migration): the SQL, the
row, the JSON and the schema follow, and tests/test_shapes.py fails if a response and its schema
ever disagree on their keys.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from django.contrib.postgres.fields import ArrayField
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.representation import datetime_text, uuid_text
from core.serializers import CachedFieldsMixin
from core.sql import Composable, cast_columns, join_columns

_fromisoformat = dt.datetime.fromisoformat


@dataclass(frozen=True)
class Computed:
    """A key that is not a model column. `write(row, context)` gives its JSON value from a `Row`;
    `schema` is the read-only DRF field that documents it; `of_instance(instance)` gives the same
    value from a model instance (DRF's generic path, which the tests compare with). `columns` name
    the extra row values it reads, appended to the row after the model's columns; the SQL module
    that reads the shape gives their expressions (`ModelShape.select`).

    A key whose value is another app's shape (an event's `my_availability` is an RSVP) is declared
    with its columns only, and completed where that shape is visible (`ModelShape.completed`)."""

    name: str
    schema: serializers.Field | None = None
    write: Callable[[tuple, dict], object] | None = None
    of_instance: Callable[[models.Model], object] | None = None
    columns: tuple[str, ...] = ()


def _is_uuid(model_field) -> bool:
    target = model_field.target_field if model_field.is_relation else model_field
    return isinstance(target, models.UUIDField)


def _kind(model_field) -> str:
    if _is_uuid(model_field):
        return "uuid"
    if isinstance(model_field, ArrayField) and _is_uuid(model_field.base_field):
        return "uuid[]"
    if isinstance(model_field, models.DateTimeField):
        return "datetime"
    if isinstance(model_field, models.DateField):
        return "date"
    if isinstance(model_field, models.TimeField):
        return "time"
    return "plain"


# The value of each kind in a Row (read as text by `select`) -> its JSON value.
_WRITERS = {
    "uuid": None,
    "uuid[]": None,
    "plain": None,
    "date": lambda value, zone: value.isoformat(),
    "time": lambda value, zone: value.strftime("%H:%M:%S"),
    "datetime": datetime_text,
}
# Rows read without casts (`typed=False`): ids arrive as UUID objects.
_NATIVE_WRITERS = {
    **_WRITERS,
    "uuid": lambda value, zone: str(value),
    "uuid[]": lambda value, zone: [str(v) for v in value],
}
# The value of each kind on a model instance -> its value in a Row.
_ROW_VALUES = {
    "uuid": uuid_text,
    "uuid[]": lambda values: [str(value) for value in values or []],
    "datetime": lambda value: value,
    "date": lambda value: value,
    "time": lambda value: value,
    "plain": lambda value: value,
}


class ModelShape:
    """The response shape `keys` of `model` (see the module docstring)."""

    def __init__(self, model: type[models.Model], keys: Sequence[str | Computed], *, name: str, typed: bool = True):
        """`typed`: the row's ids and timestamps are read as text (`select`); False for a row read
        with the model's own column types, whose ids the writer turns into text."""
        self.model, self.name, self.typed = model, name, typed
        writers = _WRITERS if typed else _NATIVE_WRITERS
        self.keys = tuple(key.name if isinstance(key, Computed) else key for key in keys)
        self.computed = {key.name: key for key in keys if isinstance(key, Computed)}
        self.fields = [(key, model._meta.get_field(key)) for key in self.keys if key not in self.computed]
        self.extra = tuple(name for key in self.computed.values() for name in key.columns)
        self.Row = namedtuple(f"{name}Row", [f.attname for _, f in self.fields] + list(self.extra))
        self._datetime_at = [i for i, (_, f) in enumerate(self.fields) if _kind(f) == "datetime"]
        at = {f.attname: i for i, (_, f) in enumerate(self.fields)}
        self._plan = [
            (key, None, self.computed[key].write)
            if key in self.computed
            else (key, at[dict(self.fields)[key].attname], writers[_kind(dict(self.fields)[key])])
            for key in self.keys
        ]

    def completed(self, **keys: Computed) -> ModelShape:
        """This shape with the named computed keys replaced by complete ones (same keys, same row)."""
        shape = object.__new__(ModelShape)
        shape.__dict__.update(self.__dict__)
        shape.computed = {**self.computed, **{name: replace(key, name=name) for name, key in keys.items()}}
        shape._plan = [
            (key, None, shape.computed[key].write) if at is None else (key, at, write) for key, at, write in self._plan
        ]
        return shape

    # --- SQL and rows ------------------------------------------------------------------------
    def select(self, alias: str, extra: dict[str, Composable]) -> Composable:
        """The row's columns over `alias`: model fields (ids `::text`, uuid arrays `::text[]`,
        timestamps `::text`, parsed back by `row_parser`), then the computed keys' extra columns,
        whose expressions `extra` gives by name (the SQL module's)."""
        casts = {"uuid": "text", "uuid[]": "text[]", "datetime": "text"} if self.typed else {}
        own = cast_columns(alias, [(f.column, casts.get(_kind(f))) for _, f in self.fields])
        return join_columns([own, *(extra[name] for name in self.extra)])

    def row_parser(self, extra_datetimes: Sequence[str] = ()) -> Callable[[tuple], tuple]:
        """A function turning a fetched row (selected by `select`) into a `Row`; the timestamps
        (PostgreSQL's ISO text with the offset) become the aware datetimes psycopg would build.
        `extra_datetimes` names extra columns that are timestamps read as text too."""
        positions = self._datetime_at + [len(self.fields) + self.extra.index(n) for n in extra_datetimes]
        make = self.Row._make

        def parse(values: tuple):
            values = list(values)
            for at in positions:
                if values[at] is not None:
                    values[at] = _fromisoformat(values[at])
            return make(values)

        return parse

    def row_of(self, instance: models.Model, **extra) -> tuple:
        """The `Row` that `select` would read for `instance`, with the extra columns given."""
        values = [_ROW_VALUES[_kind(f)](getattr(instance, f.attname)) for _, f in self.fields]
        return self.Row(*values, **extra)

    # --- JSON --------------------------------------------------------------------------------
    def represent(self, row: tuple, *, zone=None, **context) -> dict:
        """The JSON body of `row`: the keys in order. `zone`: the current time zone (None: looked
        up per value); `context`: what the computed keys read (e.g. the caller)."""
        body = {}
        for key, at, write in self._plan:
            if at is None:
                body[key] = write(row, context)
            elif write is None:
                body[key] = row[at]
            else:
                value = row[at]
                body[key] = None if value is None else write(value, zone)
        return body

    # --- OpenAPI -----------------------------------------------------------------------------
    def serializer(
        self, *, doc: str, fields: dict | None = None, context: Callable | None = None, writes: bool = True
    ) -> type:
        """The read-only `ModelSerializer` that documents this shape (component `name`).
        `fields`: DRF fields declared over the model's defaults (e.g. a time format); `context`:
        what `represent` needs from an instance (called with it), for `.data`; `writes=False`
        keeps DRF's own field-by-field `.data` (the reference the writer is tested against)."""
        shape = self
        attrs = {"__doc__": doc, "__module__": self.model.__module__, **(fields or {})}
        for key, computed in self.computed.items():
            if computed.schema is None:
                raise TypeError(f"{self.name}.{key} is not complete: see ModelShape.completed")
            attrs[key] = serializers.SerializerMethodField()
            attrs[f"get_{key}"] = extend_schema_field(computed.schema)(
                lambda self, instance, computed=computed: computed.of_instance(instance)
            )
        attrs["Meta"] = type(
            "Meta", (), {"model": self.model, "fields": list(self.keys), "read_only_fields": list(self.keys)}
        )

        def to_representation(self, instance):
            extra = context(instance) if context else {}
            return shape.represent(shape.row_of(instance, **extra.pop("row", {})), **extra)

        if writes:
            attrs["to_representation"] = to_representation
        return type(f"{self.name}Serializer", (CachedFieldsMixin, serializers.ModelSerializer), attrs)
