"""Django admin for calendar feed addresses (rotated through `accounts.feeds`, never shown: the
table holds no address) and Idempotency-Key records (read and delete only)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import ngettext

from accounts.feeds import calendar_feed_rotate
from accounts.models import CalendarFeed, IdempotencyRecord


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "rotated_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("user", "rotated_at")
    readonly_fields = fields
    actions = ["rotate"]

    def has_add_permission(self, request) -> bool:
        return False  # made on a user's first request for it

    @admin.action(description="Rotate the selected feed addresses (the old ones stop working)")
    def rotate(self, request, queryset) -> None:
        feeds = list(queryset.select_related("user"))
        for feed in feeds:
            calendar_feed_rotate(user=feed.user)
        message = ngettext("%d address rotated.", "%d addresses rotated.", len(feeds)) % len(feeds)
        self.message_user(request, message, messages.SUCCESS)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("key", "user", "status_code", "created_at")
    list_select_related = ("user",)
    search_fields = ("key", "user__email")
    fields = ("user", "key", "fingerprint", "status_code", "content_type", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
