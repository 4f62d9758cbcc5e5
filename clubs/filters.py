"""Query filters of the club lists (django-filter; an empty value is a 400), and ordering with an id
tie-break."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from rest_framework.filters import OrderingFilter

from bookwork.filters import StrictFilterSet
from clubs.models import Club, ClubMember, ClubRole
from clubs.validators import parse_tag_query


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

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def filter_tags(self, queryset, name, value):
        tags = parse_tag_query(value)
        return queryset.filter(tags__overlap=tags) if tags else queryset

    def filter_member(self, queryset, name, value):
        mine = ClubMember.objects.filter(club=OuterRef("pk"), user=self.request.user, is_active=True)
        return queryset.filter(Exists(mine))


class MemberFilter(StrictFilterSet):
    """Active members unless `is_active` is given."""

    role = django_filters.ChoiceFilter(choices=ClubRole.choices)
    is_active = StrictBooleanFilter(help_text="Default true: current members only.")

    class Meta:
        model = ClubMember
        fields = ["role", "is_active"]

    def filter_queryset(self, queryset):
        if self.form.cleaned_data.get("is_active") is None:
            queryset = queryset.filter(is_active=True)
        return super().filter_queryset(queryset)
