"""Query filters of the club lists (django-filter; an empty value is a 400), and ordering with an id
tie-break."""

from __future__ import annotations

import functools

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.constants import EMPTY_VALUES
from django_filters.utils import translate_validation
from rest_framework.filters import OrderingFilter

from clubs.models import Club, ClubMember, ClubRole
from clubs.validators import parse_tag_query
from core.filters import StrictFilterSet


class TieBreakOrderingFilter(OrderingFilter):
    """DRF's `?ordering=`, always followed by `id`, so that pages never repeat or skip a row."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") in {"id", "pk"} for field in ordering):
            ordering.append("id")
        return ordering


class StrictBooleanField(forms.NullBooleanField):
    """`true`/`false` (or 1/0); anything else is a 400, not silently "no filter"."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        lowered = str(value).strip().lower()
        if lowered in {"true", "1"}:
            return True
        if lowered in {"false", "0"}:
            return False
        raise ValidationError("Must be true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ClubFilter(StrictFilterSet):
    search = django_filters.CharFilter(
        method="filter_search", max_length=200, help_text="Case-insensitive match in name or description."
    )
    tags = django_filters.CharFilter(
        method="filter_tags",
        max_length=2000,
        help_text="Comma-separated tags; clubs having ANY of them (array overlap, served by the GIN index).",
    )
    is_public = StrictBooleanFilter()
    member = django_filters.ChoiceFilter(
        choices=[("me", "me")],
        method="filter_member",
        help_text="`me`: only clubs where the caller is an active member.",
    )

    class Meta:
        model = Club
        fields = ["search", "tags", "is_public", "member"]

    @classmethod
    def rows_arguments(cls, data) -> dict:
        """The filters of `data` (a request's query) as arguments of `clubs.selectors.ClubRows`,
        which applies the rules of the `filter_*` methods below in SQL.

        Validated by the very form an instance builds, so a bad value is the same 400 (naming the
        parameter) that `DjangoFilterBackend` raises; but no FilterSet is built per request (its
        `__init__` deep-copies every filter and its form class is created anew each time). As in
        `FilterSet.filter_queryset`, an empty cleaned value means no filter."""
        form_class = _club_filter_form_class()
        if not any(name in data for name in form_class.base_fields):
            # Nothing to validate: every field is optional, and only a given parameter can be blank.
            return {"search": None, "tags": None, "is_public": None, "member_only": False}
        form = form_class(data)
        if not form.is_valid():
            raise translate_validation(form.errors)
        values = {name: None if value in EMPTY_VALUES else value for name, value in form.cleaned_data.items()}
        return {
            "search": values["search"],
            "tags": parse_tag_query(values["tags"]) if values["tags"] else None,
            "is_public": values["is_public"],
            "member_only": values["member"] == "me",
        }

    # `ClubRows` applies these filters in SQL (clubs/sql.py `CLUB_FILTERS`); the FilterSet only
    # validates and documents them, and never filters a queryset itself.
    def filter_search(self, queryset, name, value):
        raise TypeError("clubs.selectors.ClubRows applies the club filters in SQL; the FilterSet never filters")

    filter_tags = filter_member = filter_search


@functools.cache
def _club_filter_form_class() -> type[forms.Form]:
    # The form class depends only on the FilterSet class (its filters' fields), never on the data.
    return ClubFilter(queryset=Club.objects.none()).get_form_class()


class MemberFilter(StrictFilterSet):
    """Active members unless `is_active` is given."""

    role = django_filters.ChoiceFilter(choices=ClubRole.choices)
    is_active = StrictBooleanFilter(help_text="Default true: current members only.")

    class Meta:
        model = ClubMember
        fields = ["role", "is_active"]

    @classmethod
    def rows_arguments(cls, data) -> dict:
        """The filters of `data` (a request's query) as arguments of `clubs.selectors.MemberRows`,
        validated by the form `DjangoFilterBackend` would build (the same 400s; see
        `ClubFilter.rows_arguments`). `is_active` None means the default, active members."""
        form_class = _member_filter_form_class()
        if not any(name in data for name in form_class.base_fields):
            return {"role": None, "is_active": None}
        form = form_class(data)
        if not form.is_valid():
            raise translate_validation(form.errors)
        values = {name: None if value in EMPTY_VALUES else value for name, value in form.cleaned_data.items()}
        return {"role": values["role"], "is_active": values["is_active"]}

    def filter_queryset(self, queryset):
        if self.form.cleaned_data.get("is_active") is None:
            queryset = queryset.filter(is_active=True)
        return super().filter_queryset(queryset)


@functools.cache
def _member_filter_form_class() -> type[forms.Form]:
    return MemberFilter(queryset=ClubMember.objects.none()).get_form_class()
