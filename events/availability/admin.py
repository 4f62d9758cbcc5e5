"""Django admin of RSVPs: browse and delete. Adding and editing happen in the event's inline
(`events.admin.EventAdmin`), which goes through the services; deleting here does too."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from core.admin import OptionalAutocompleteMixin
from events.availability.models import Availability
from events.availability.services import availability_delete


@admin.register(Availability)
class AvailabilityAdmin(OptionalAutocompleteMixin, admin.ModelAdmin):
    list_display = ["event", "user", "status", "waitlisted", "waitlist_position", "updated_at"]
    list_filter = ["status", "waitlisted"]
    list_select_related = ["event", "user"]
    search_fields = ["event__title", "user__email", "user__name"]
    raw_id_fields = ["event", "user"]
    optional_autocomplete_fields = ("event", "user")
    readonly_fields = [
        "id",
        "event",
        "user",
        "status",
        "notes",
        "waitlisted",
        "waitlist_position",
        "created_at",
        "updated_at",
    ]
    ordering = ["-updated_at", "id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        availability_delete(event_id=obj.event_id, user=obj.user_id)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        # One service call per row, so each event is locked and its waitlist promoted.
        for event_id, user_id in queryset.order_by("event_id").values_list("event_id", "user_id"):
            availability_delete(event_id=event_id, user=user_id)
