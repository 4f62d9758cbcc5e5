"""Input fields that take JSON as documented: a string field accepts only a JSON string.

DRF coerces numbers (`"phone": 0` is stored as "0"), checks `max_length` only after trimming
(so 256 characters with a leading space pass a documented `maxLength: 255`), and a related field
takes `""` as null. The strict fields below reject all three with a 400 naming the field; input
serializers of every app build on them:

- declared fields: `StrictCharField`, `StrictEmailField`, `StrictUUIDField` instead of DRF's;
- model fields: `ModelSerializer` maps the string-like model fields (and foreign keys) to them.

Output-only serializers may keep DRF's fields: nothing is parsed there.
"""

from __future__ import annotations

import copy

from django.db import models
from rest_framework import serializers


class StrictStringMixin:
    """Only a JSON string is a value; `max_length` holds for the string as sent (before trimming),
    which is what the schema's `maxLength` says."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        max_length = getattr(self, "max_length", None)
        if max_length is not None and len(data) > max_length:
            self.fail("max_length", max_length=max_length)
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


class StrictURLField(StrictStringMixin, serializers.URLField):
    pass


class StrictSlugField(StrictStringMixin, serializers.SlugField):
    pass


class StrictUUIDField(StrictStringMixin, serializers.UUIDField):
    """A UUID as a string only: DRF would also turn the integer 0 into a UUID."""


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key by id; `""` is an invalid id, not null (null clears it where allowed)."""

    default_error_messages = {"invalid": "Must be a valid id."}

    def run_validation(self, data=serializers.empty):
        if data == "":
            self.fail("invalid")
        return super().run_validation(data)


class ModelSerializer(serializers.ModelSerializer):
    """`ModelSerializer` whose generated string fields and foreign keys are the strict ones."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.URLField: StrictURLField,
        models.SlugField: StrictSlugField,
        models.UUIDField: StrictUUIDField,
    }
    serializer_related_field = StrictPrimaryKeyRelatedField


class CachedFieldsMixin:
    """For read-only ModelSerializers: build the fields from the model once per class, then hand
    each instance a deep copy (what a plain `Serializer` does with its declared fields).

    `ModelSerializer.get_fields` introspects the model on every instantiation, which dominated the
    CPU cost of rendering (a nested serializer per row multiplies it). The result depends only on
    the class (`Meta`, declared fields), never on the instance, data or context."""

    _fields_cache: dict[type, dict] = {}

    def get_fields(self):
        cls = type(self)
        built = CachedFieldsMixin._fields_cache.get(cls)
        if built is None:
            built = CachedFieldsMixin._fields_cache[cls] = super().get_fields()
        return copy.deepcopy(built)
