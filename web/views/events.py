"""A meeting's page, its RSVP, items and calendar file, and the organizers' meeting form. Reads go
through `event_get_visible` (a hidden meeting is a 404 page), writes through the events services;
seats and the waitlist are the availability service's, exactly as for the API."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clubs.selectors import club_get_visible_with_access
from core import time
from events import services as event_services
from events.availability import services as rsvp_services
from events.availability.models import RsvpStatus
from events.availability.selectors import availability_counts_and_rows
from events.calendar import event_calendar_ics
from events.items import services as item_services
from events.items.models import ItemStatus
from events.items.selectors import item_get, item_list_with_assignees
from events.models import EventStatus
from events.selectors import event_get_visible
from web.forms import EventForm, ItemForm, form_errors_from
from web.templating import empty_form_fields
from web.views.common import REFUSALS, allowed, member_required, refusal_text, refuse

# What the item buttons change: claiming sets the assignee (the creator and organizers may),
# completing sets the status (the assignee may too), judged by the items service's field rule.
CLAIM, COMPLETE = ("assigned_to",), ("status",)

# The meeting page lists at most this many answers (a meeting is a room, not a stadium).
MAX_ANSWERS = 500


def _meeting_context(request, event, access) -> dict:
    summary, _, rows = availability_counts_and_rows(event=event, limit=MAX_ANSWERS)
    seated, maybe, waitlist = [], [], []
    for row in rows:
        person = {"user_id": row.user_id, "name": row.user_name, "notes": row.notes, "position": row.waitlist_position}
        if row.status == RsvpStatus.AVAILABLE:
            (waitlist if row.waitlisted else seated).append(person)
        elif row.status == RsvpStatus.MAYBE:
            maybe.append(person)
    order = {user_id: index for index, user_id in enumerate(event.attendees or [])}
    seated.sort(key=lambda person: order.get(person["user_id"], len(order)))
    waitlist.sort(key=lambda person: person["position"])
    mine = event.my_rsvp[0] if event.my_rsvp else None
    items = []
    for item in item_list_with_assignees(event=event):
        may = partial(allowed, item_services.item_update_check, access=access, item=item)
        items.append(
            {
                "item": item,
                "can_claim": item.assigned_to_id is None and may(fields=CLAIM),
                "can_complete": item.status not in (ItemStatus.COMPLETED, ItemStatus.CANCELLED)
                and may(fields=COMPLETE),
            }
        )
    cancelled = event.status == EventStatus.CANCELLED
    return {
        "event": event,
        "cancelled": cancelled,
        "club": event.club,
        "access": access,
        "starts_at": time.event_starts_at(event),
        "summary": summary,
        "seated": seated,
        "maybe": maybe,
        "waitlist": waitlist,
        "mine": mine,
        "can_rsvp": not cancelled and allowed(rsvp_services.rsvp_check, access=access, event=event),
        "items": items,
        "item_form_fields": empty_form_fields(ItemForm)
        if not cancelled and allowed(item_services.item_create_check, access=access)
        else None,
        "can_cancel": not cancelled and allowed(event_services.event_manage_check, access=access, verb="cancel"),
        "statuses": RsvpStatus,
    }


@member_required
def event_detail(request, event_id):
    event, access = event_get_visible(user=request.user, event_id=event_id, with_my_rsvp=True)
    return render(request, "web/meeting.html", _meeting_context(request, event, access))


def _rsvp_feedback(row) -> str:
    if row is None:
        return "Your answer is withdrawn."
    if row.status == RsvpStatus.AVAILABLE and row.waitlisted:
        return f"The meeting is full: you are number {row.waitlist_position} on the waitlist."
    if row.status == RsvpStatus.AVAILABLE:
        return "You have a seat. See you there!"
    if row.status == RsvpStatus.MAYBE:
        return "Noted: maybe."
    return "Noted: you can't come."


@member_required
@require_POST
def rsvp(request, event_id):
    """`status` (available, maybe, unavailable) or `withdraw`: one click, answered with where the
    member now stands (seat or waitlist place). htmx gets the refreshed RSVP panel."""
    event, access = event_get_visible(user=request.user, event_id=event_id)
    status = request.POST.get("status", "")
    level, text = messages.ERROR, "Choose an answer."
    try:
        rsvp_services.rsvp_check(access=access, event=event)
        if status == "withdraw":
            rsvp_services.availability_delete(event_id=event.pk, user=request.user)
            level, text = messages.SUCCESS, _rsvp_feedback(None)
        elif status in RsvpStatus.values:
            row, _ = rsvp_services.availability_upsert(
                event_id=event.pk, user=request.user, status=status, notes_given=False, seen_event=event
            )
            # A waitlist place is not the seat the member asked for: said as a warning, not a success.
            level, text = (messages.WARNING if row.waitlisted else messages.SUCCESS), _rsvp_feedback(row)
    except REFUSALS as error:
        level, text = messages.ERROR, refusal_text(error)
    messages.add_message(request, level, text)
    if request.headers.get("HX-Request") == "true":  # htmx: answer the refreshed panel
        event, access = event_get_visible(user=request.user, event_id=event.pk, with_my_rsvp=True)
        context = {**_meeting_context(request, event, access), "announce": text}
        return render(request, "web/_meeting_live.html", context)
    return redirect("web:meeting", event_id=event.pk)


@member_required
@require_POST
def item_add(request, event_id):
    event, access = event_get_visible(user=request.user, event_id=event_id)
    form = ItemForm(request.POST)
    if not allowed(item_services.item_create_check, access=access):
        messages.error(request, "Only club members (not guests) may add items.")
    elif not form.is_valid():
        messages.error(request, "Give the item a name (up to 255 characters) and a category.")
    else:
        try:
            item_services.item_create(event=event, created_by=request.user, data=form.cleaned_data)
        except REFUSALS as error:
            refuse(request, error)
        else:
            messages.success(request, f"Added “{form.cleaned_data['name']}”.")
    return redirect("web:meeting", event_id=event.pk)


@member_required
@require_POST
def item_change(request, event_id, item_id):
    """`action=claim` assigns the item to me, `action=complete` marks it done; allowed as the API
    allows the same PATCH (`ClubAccess.item_edit_scope`)."""
    event, access = event_get_visible(user=request.user, event_id=event_id)
    item = item_get(event=event, item_id=item_id)
    item.event = event
    action = request.POST.get("action")
    changes = {"claim": {"assigned_to": request.user}, "complete": {"status": ItemStatus.COMPLETED}}.get(action)
    try:
        if changes is None or not allowed(item_services.item_update_check, access=access, item=item, fields=changes):
            messages.error(request, "You may not change this item.")
        else:
            item_services.item_update(item=item, data=changes)
            messages.success(request, f"“{item.name}” is yours." if action == "claim" else f"“{item.name}” is done.")
    except REFUSALS as error:
        refuse(request, error)
    return redirect("web:meeting", event_id=event.pk)


@member_required
@require_POST
def event_cancel(request, event_id):
    """Organizers cancel the meeting (with an optional reason); its answers stay as history and
    those who answered are told (the events service's notifications)."""
    event, access = event_get_visible(user=request.user, event_id=event_id)
    if not allowed(event_services.event_manage_check, access=access, verb="cancel"):
        messages.error(request, "Only club moderators and admins may cancel meetings.")
        return redirect("web:meeting", event_id=event.pk)
    reason = request.POST.get("reason", "").strip()[:1000] or None
    try:
        event_services.event_cancel(event_id=event.pk, reason=reason)
    except REFUSALS as error:
        refuse(request, error)
    else:
        messages.success(request, "The meeting is cancelled; those who answered are told.")
    return redirect("web:meeting", event_id=event.pk)


@member_required
def event_calendar(request, event_id):
    event, _ = event_get_visible(user=request.user, event_id=event_id)
    response = HttpResponse(event_calendar_ics(event), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{event.pk}.ics"'
    return response


def _event_form_page(request, *, form, club, event=None, status=200):
    return render(request, "web/meeting_form.html", {"form": form, "club": club, "event": event}, status=status)


@member_required
def event_new(request, club_id):
    club, access = club_get_visible_with_access(user=request.user, club_id=club_id)
    if not allowed(event_services.event_manage_check, access=access, verb="create"):
        messages.error(request, "Only club moderators and admins may create meetings.")
        return redirect("web:club", club_id=club.pk)
    form = EventForm(request.POST or None, initial={"duration_minutes": 120, "type": "discussion"})
    if request.method == "POST" and form.is_valid():
        try:
            event = event_services.event_create(club=club, created_by=request.user, data=form.service_data())
        except REFUSALS as error:
            form_errors_from(form, error)
        else:
            messages.success(request, f"“{event.title}” is scheduled.")
            return redirect("web:meeting", event_id=event.pk)
    return _event_form_page(request, form=form, club=club, status=400 if form.errors else 200)


@member_required
def event_edit(request, event_id):
    event, access = event_get_visible(user=request.user, event_id=event_id)
    if not allowed(event_services.event_manage_check, access=access, verb="edit"):
        messages.error(request, "Only club moderators and admins may edit meetings.")
        return redirect("web:meeting", event_id=event.pk)
    initial = {name: getattr(event, name) for name in EventForm.base_fields}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            event_services.event_update(event_id=event.pk, data=form.service_data())
        except REFUSALS as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "The meeting is updated.")
            return redirect("web:meeting", event_id=event.pk)
    return _event_form_page(request, form=form, club=event.club, event=event, status=400 if form.errors else 200)
