"""Query filters of the list endpoints: a filter given with an empty value is a 400 naming it.

django-filter reads `?member=` as "no filter" and answers the unfiltered list, although the
schema documents only real values. The event and item lists reject it through their query
serializers; every `FilterSet` of the project derives from `StrictFilterSet` to do the same, and
`core.openapi` documents its string parameters with `minLength: 1`.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError

BLANK_MESSAGE = "This field may not be blank."


class NonEmptyFilterForm(forms.Form):
    """A parameter present in the query with an empty value is an error on that parameter."""

    def clean(self):
        cleaned_data = super().clean()
        for name in self.fields:
            if name in self._errors or name not in self.data:
                continue
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
            if any(value == "" for value in values):
                self.add_error(name, ValidationError(BLANK_MESSAGE, code="blank"))
        return cleaned_data


class StrictFilterSet(django_filters.FilterSet):
    """`FilterSet` whose form rejects empty values (`?member=` is a 400 with `attr: "member"`)."""

    def get_form_class(self):
        form_class = super().get_form_class()
        return type(form_class.__name__, (NonEmptyFilterForm, form_class), {})
