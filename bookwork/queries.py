"""Helpers for the few reads written in SQL by hand because the ORM's per-query compilation
dominated their CPU cost (event detail, the RSVP state of an event page, the authenticated user).

Column lists come from the model, so a new field is never left out, and rows become ordinary
model instances through `Model.from_db`, as the ORM itself builds them.
"""

from __future__ import annotations

from django.db import models


def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns, qualified by `alias`, in `hydrate` order."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def hydrate(model: type[models.Model], row: tuple, start: int = 0) -> tuple[models.Model, int]:
    """A `model` instance from the columns of `row` at `start` (selected with `columns`), and the
    index just after them."""
    names = [field.attname for field in model._meta.concrete_fields]
    end = start + len(names)
    return model.from_db("default", names, row[start:end]), end
