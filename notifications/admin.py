"""Notifications in the Django admin: staff read them (and their email sends); nothing here
creates one by hand, since notifications come from the changes that cause them (the event
admin goes through the same services as the API)."""

from __future__ import annotations

from django.contrib import admin

from notifications.models import EmailPreference, EmailSend, Notification, ReminderSent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EmailSendInline(admin.TabularInline):
    model = EmailSend
    extra = 0
    fields = ["recipient", "message_id", "sent_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "user", "club", "created_at", "read_at"]
    list_filter = ["kind", "created_at"]
    list_select_related = ["user", "club"]
    search_fields = ["title", "body", "user__email"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user", "club", "event"]
    inlines = [EmailSendInline]


@admin.register(EmailPreference)
class EmailPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "email", "updated_at"]
    list_filter = ["kind", "email"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin):
    list_display = ["event", "user", "offset_hours", "created_at"]
    raw_id_fields = ["user", "event"]
