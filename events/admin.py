"""Django admin of events, with their items and RSVPs inline.

Changes go through the services, exactly like the API: an RSVP edited inline is written by
`availability_set` / `availability_delete`, a new event by `event_create`, an edit of any field by
`event_update` and a deletion by `event_delete`, so the seat rules, the SEQUENCE bump and the
notifications (new event, changed, cancelled by deletion, promoted from the waitlist) hold here too."""

from __future__ import annotations

import contextlib

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.http import Http404
from django.utils.html import format_html_join

from events.admin_helpers import OptionalAutocompleteMixin
from events.availability.models import Availability, RsvpStatus
from events.availability.services import availability_delete, availability_set
from events.items.admin import EventItemAdminForm
from events.items.models import EventItem
from events.models import Event, EventStatus
from events.services import EDITABLE_FIELDS, event_cancel, event_create, event_delete, event_update


class EventAdminForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["club", *EDITABLE_FIELDS, "created_by"]

    def clean_max_attendees(self):
        value = self.cleaned_data.get("max_attendees")
        if self.instance.pk and value is not None:
            # Checked again under the row lock by `event_update`; this gives the form its message.
            seated = Availability.objects.filter(
                event_id=self.instance.pk, status=RsvpStatus.AVAILABLE, waitlisted=False
            ).count()
            if value < seated:
                raise forms.ValidationError(f"{seated} seats are taken; max_attendees cannot be lower than that.")
        return value


# An inline row puts every field side by side: a default 40x10 textarea per row pushed the event
# page to 2,200 px. Small inputs (textareas grow with the browser's resize handle) keep it in 1,280.
COMPACT_TEXT = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 24})},
    models.CharField: {"widget": forms.TextInput(attrs={"size": 18})},
}


class EventItemInline(OptionalAutocompleteMixin, admin.TabularInline):
    model = EventItem
    form = EventItemAdminForm
    extra = 0
    # `created_at` is on the item's own page; the row keeps the latest change.
    fields = ["name", "category", "assigned_to", "status", "notes", "created_by", "updated_at"]
    readonly_fields = ["created_by", "updated_at"]
    raw_id_fields = ["assigned_to"]
    optional_autocomplete_fields = ("assigned_to",)
    formfield_overrides = COMPACT_TEXT

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("assigned_to", "created_by")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The form needs the parent event to check the assignee's membership.
        formset.form = type("BoundEventItemAdminForm", (formset.form,), {"parent_event": obj})
        return formset


class AvailabilityInline(OptionalAutocompleteMixin, admin.TabularInline):
    model = Availability
    extra = 0
    fields = ["user", "status", "notes", "waitlisted", "waitlist_position", "created_at", "updated_at"]
    readonly_fields = ["waitlisted", "waitlist_position", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    optional_autocomplete_fields = ("user",)
    ordering = ["created_at", "id"]
    formfield_overrides = COMPACT_TEXT

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "event")  # each row is headed by both

    # A cancelled event keeps its RSVPs as history: shown, not edited (the services would refuse).
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _cancelled(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _cancelled(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _cancelled(obj)


def _cancelled(event) -> bool:
    return event is not None and event.status == EventStatus.CANCELLED


def event_delete_if_present(*, event_id) -> None:
    """`event_delete` (event row locked before the cascade); an event already gone is a no-op."""
    with contextlib.suppress(Http404):
        event_delete(event_id=event_id)


@admin.register(Event)
class EventAdmin(OptionalAutocompleteMixin, admin.ModelAdmin):
    form = EventAdminForm
    inlines = [AvailabilityInline, EventItemInline]
    list_display = [
        "title",
        "club",
        "event_date",
        "event_time",
        "type",
        "status",
        "is_public",
        "max_attendees",
        "sequence",
    ]
    list_filter = ["status", "type", "is_public", "event_date"]
    actions = ["cancel_events"]
    list_select_related = ["club"]
    search_fields = ["title", "location", "book", "description", "club__name"]
    date_hierarchy = "event_date"
    ordering = ["-event_date", "-event_time", "id"]
    raw_id_fields = ["club", "created_by"]
    optional_autocomplete_fields = ("club", "created_by")
    readonly_fields = ["id", "status", "cancel_reason", "attendee_list", "sequence", "created_at", "updated_at"]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The two inline tables need the whole width of a 1,280 px window: no navigation sidebar
        # here (the breadcrumbs lead back).
        extra_context = {**(extra_context or {}), "is_nav_sidebar_enabled": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.display(description="Attendees")
    def attendee_list(self, obj: Event):
        """The seated users, in seat order, by name and email (the column holds only their ids)."""
        users = get_user_model().objects.in_bulk(obj.attendees)
        rows = ((users[user_id].label if user_id in users else str(user_id),) for user_id in obj.attendees)
        return format_html_join("", "<div>{}</div>", rows) or "-"

    def save_model(self, request, obj, form, change):
        if not change:
            data = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}
            created = event_create(
                club=form.cleaned_data["club"],
                created_by=form.cleaned_data.get("created_by") or request.user,
                data=data,
                allow_past=True,
            )
            # The admin goes on with `obj` (inlines, the redirect): make it the stored row.
            obj.pk = created.pk
            obj.refresh_from_db()
            obj._state.adding = False
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
        # Staff may correct the date of a past event; seat rules still hold (row lock, recount).
        event_update(event_id=obj.pk, data=data, allow_past=True)
        obj.refresh_from_db()

    @admin.action(description="Cancel the selected events (tells who answered)")
    def cancel_events(self, request, queryset):
        cancelled = 0
        for event_id in queryset.filter(status=EventStatus.SCHEDULED).order_by("pk").values_list("pk", flat=True):
            event_cancel(event_id=event_id, reason="Cancelled by the organisers.")
            cancelled += 1
        self.message_user(request, f"{cancelled} events cancelled.")

    def delete_model(self, request, obj):
        # The event row first, then the cascade (core/locks.py): see events.services.event_delete.
        event_delete_if_present(event_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for event_id in queryset.order_by("pk").values_list("pk", flat=True):
            event_delete_if_present(event_id=event_id)

    def save_formset(self, request, form, formset, change):
        if formset.model is Availability:
            self._save_rsvps(formset, event=form.instance)
            return
        if formset.model is EventItem:
            items = formset.save(commit=False)
            for item in items:
                if item.created_by_id is None:
                    item.created_by = request.user
                item.save()
            for item in formset.deleted_objects:
                item.delete()
            return
        super().save_formset(request, form, formset, change)

    @staticmethod
    def _save_rsvps(formset, *, event):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for rsvp_form in formset.deleted_forms:
            if rsvp_form.instance.pk:
                availability_delete(event_id=event.pk, user=rsvp_form.instance.user)
                formset.deleted_objects.append(rsvp_form.instance)
        for rsvp_form in formset.forms:
            if rsvp_form in formset.deleted_forms or not rsvp_form.has_changed() or not rsvp_form.cleaned_data:
                continue
            data = rsvp_form.cleaned_data
            previous_user_id = rsvp_form.initial.get("user")
            if rsvp_form.instance.pk and previous_user_id and previous_user_id != data["user"].pk:
                # The row now names another user: the old user's RSVP goes, the new one's is set.
                availability_delete(event_id=event.pk, user=previous_user_id)
            row = availability_set(
                event_id=event.pk, user=data["user"], status=data["status"], notes=data.get("notes") or None
            )
            target = formset.changed_objects if rsvp_form.instance.pk else formset.new_objects
            target.append((row, rsvp_form.changed_data) if target is formset.changed_objects else row)
