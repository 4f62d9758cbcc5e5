"""Django admin of event items."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from clubs.models import ClubMember
from core.admin import OptionalAutocompleteMixin
from events.items.models import EventItem


class EventItemAdminForm(forms.ModelForm):
    """Holds the API's rule in the admin too: `assigned_to` must be an active member of the club."""

    parent_event = None  # set by the inline of `events.admin.EventAdmin`

    class Meta:
        model = EventItem
        fields = ["event", "name", "category", "assigned_to", "status", "notes", "created_by"]

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("assigned_to")
        event = self.parent_event or cleaned.get("event") or getattr(self.instance, "event", None)
        if (
            user is not None
            and event is not None
            and not ClubMember.objects.filter(club_id=event.club_id, user=user, is_active=True).exists()
        ):
            self.add_error("assigned_to", "Must be an active member of the event's club.")
        return cleaned


@admin.register(EventItem)
class EventItemAdmin(OptionalAutocompleteMixin, admin.ModelAdmin):
    form = EventItemAdminForm
    list_display = ["name", "event", "category", "status", "assigned_to", "updated_at"]
    list_filter = ["category", "status"]
    list_select_related = ["event", "assigned_to"]
    search_fields = ["name", "notes", "event__title"]
    raw_id_fields = ["event", "assigned_to", "created_by"]
    optional_autocomplete_fields = ("event", "assigned_to", "created_by")
    readonly_fields = ["id", "created_at", "updated_at"]
    ordering = ["-created_at", "id"]
