"""Staff pages for webhooks: read the hooks and their delivery log; edits go through the services
(turning a hook on again resets its failures, a changed URL is checked like through the API)."""

from __future__ import annotations

from django.contrib import admin, messages
from rest_framework.exceptions import ValidationError

from webhooks import services
from webhooks.models import Webhook, WebhookAttempt, WebhookDelivery


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("delivered_at", "event_type", "attempt", "status_code", "error", "next_attempt_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-delivered_at",)
    max_num = 0


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("url", "club", "active", "disabled_reason", "failing_since", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "club__name")
    fields = ("club", "url", "events", "active", "disabled_reason", "failing_since", "created_by", "created_at")
    readonly_fields = ("club", "disabled_reason", "failing_since", "created_by", "created_at")
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request) -> bool:
        return False  # created through the API, which shows the secret once

    def save_model(self, request, obj, form, change) -> None:
        data = {name: form.cleaned_data[name] for name in ("url", "events", "active") if name in form.changed_data}
        try:
            services.webhook_update(hook=obj, data=data)
        except ValidationError as error:
            self.message_user(request, f"Not saved: {error.detail}", level=messages.ERROR)

    def delete_model(self, request, obj) -> None:
        services.webhook_delete(hook=obj)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
    """Deliveries as the worker sees them; deleting one cancels what is left of its retries."""

    list_display = ("event_type", "webhook", "state", "attempts", "next_attempt_at", "created_at")
    list_select_related = ("webhook",)
    list_filter = ("state", "event_type")
    search_fields = ("webhook__url", "event_type")
    fields = ("webhook", "event_id", "event_type", "state", "attempts", "next_attempt_at", "created_at")
    readonly_fields = fields


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(_ReadOnly):
    list_display = ("event_type", "webhook", "attempt", "status_code", "error", "delivered_at")
    list_select_related = ("webhook",)
    search_fields = ("webhook__url", "error")
    fields = ("webhook", "delivery", "event_type", "attempt", "status_code", "error", "delivered_at", "next_attempt_at")
    readonly_fields = fields
