"""Write helpers shared by every app's services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models


def model_update(*, instance: models.Model, changes: Mapping[str, Any]) -> bool:
    """Set `changes` on `instance` and save only those columns plus `updated_at`.

    Returns whether anything was saved. Validation and permissions belong to the caller.
    """
    for field, value in changes.items():
        setattr(instance, field, value)
    if not changes:
        return False
    instance.save(update_fields=[*changes, "updated_at"])
    return True
