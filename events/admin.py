"""Django admin of events, with their items and RSVPs inline.

Changes that touch seats go through the services, exactly like the API: an RSVP edited inline is
written by `availability_set` / `availability_delete`, and an edit of `max_attendees` (or any
other field) by `event_update`, so the seat rules and the SEQUENCE bump hold here too."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from core.admin import OptionalAutocompleteMixin
from events.availability.models import Availability, RsvpStatus
from events.availability.services import availability_delete, availability_set
from events.items.admin import EventItemAdminForm
from events.items.models import EventItem
from events.models import Event
from events.services import event_update
from events.shapes import EDITABLE_FIELDS


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


class EventItemInline(OptionalAutocompleteMixin, admin.TabularInline):
    model = EventItem
    form = EventItemAdminForm
    extra = 0
    fields = ["name", "category", "assigned_to", "status", "notes", "created_by", "created_at", "updated_at"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    raw_id_fields = ["assigned_to"]
    optional_autocomplete_fields = ("assigned_to",)

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


@admin.register(Event)
class EventAdmin(OptionalAutocompleteMixin, admin.ModelAdmin):
    form = EventAdminForm
    inlines = [AvailabilityInline, EventItemInline]
    list_display = ["title", "club", "event_date", "event_time", "type", "is_public", "max_attendees", "sequence"]
    list_filter = ["type", "is_public", "event_date"]
    list_select_related = ["club"]
    search_fields = ["title", "location", "book", "description", "club__name"]
    date_hierarchy = "event_date"
    ordering = ["-event_date", "-event_time", "id"]
    raw_id_fields = ["club", "created_by"]
    optional_autocomplete_fields = ("club", "created_by")
    readonly_fields = ["id", "attendees", "sequence", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            if obj.created_by_id is None:
                obj.created_by = request.user
            super().save_model(request, obj, form, change)
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
        # Staff may correct the date of a past event; seat rules still hold (row lock, recount).
        event_update(event_id=obj.pk, data=data, allow_past=True)
        obj.refresh_from_db()

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
