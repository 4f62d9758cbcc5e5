"""Django admin for polls: staff see polls with their options, close them (the same
`books.polls.services.poll_close` as the API and the worker, with the same notifications) and
delete them through `poll_delete`. Polls are opened through the API or the web app."""

from __future__ import annotations

from django.contrib import admin, messages

from books.polls import services
from books.polls.models import Poll, PollOption


class PollOptionInline(admin.TabularInline):
    model = PollOption
    fields = ("position", "label", "book", "starts_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ("question", "club", "kind", "status", "ranked", "results", "closes_at", "created_at")
    list_filter = ("status", "kind", "ranked", "results")
    search_fields = ("question", "club__name")
    list_select_related = ("club",)
    readonly_fields = (
        "id", "club", "question", "kind", "multiple", "ranked", "results", "closes_at", "status", "closed_at",
        "winner", "created_by", "created_at", "updated_at",
    )  # fmt: skip
    fields = readonly_fields
    inlines = (PollOptionInline,)
    ordering = ("-created_at", "id")
    actions = ("close_polls",)

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        services.poll_delete(actor=request.user, poll_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for poll in queryset:
            services.poll_delete(actor=request.user, poll_id=poll.pk)

    @admin.action(description="Close the selected polls (decide their winners)")
    def close_polls(self, request, queryset):
        closed = 0
        for poll in queryset.filter(status="open"):
            services.poll_close(actor=request.user, poll_id=poll.pk)
            closed += 1
        messages.success(request, f"Closed {closed} poll(s).")
