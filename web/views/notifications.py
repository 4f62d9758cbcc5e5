"""My notifications (from the notifications app, issue 13) and my email choices: the same
selectors and services as `GET /api/v1/notifications/` and `.../auth/me/notification-settings/`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clubs.selectors import parse_uuid
from notifications import kinds
from notifications.selectors import email_preferences_of, notifications_of
from notifications.services import email_preferences_update, notification_mark_read, notifications_mark_all_read
from web.views.common import member_required

PAGE = 50


@member_required
def notification_list(request):
    rows = list(notifications_of(user=request.user)[:PAGE])
    context = {"notifications": rows, "unread": sum(1 for row in rows if row.read_at is None)}
    return render(request, "web/notifications.html", context)


@member_required
@require_POST
def notification_read(request, notification_id):
    """Mark one read (`id`), or all of them (`all=1`); then open its meeting when it has one."""
    if request.POST.get("all") == "1":
        notifications_mark_all_read(user=request.user)
        return redirect("web:notifications")
    notification = notifications_of(user=request.user).filter(pk=parse_uuid(notification_id)).first()
    if notification is None or not notification_mark_read(user=request.user, notification_id=notification.pk):
        messages.error(request, "That notification is gone.")
        return redirect("web:notifications")
    if notification.event_id and request.POST.get("open") == "1":
        return redirect("web:meeting", event_id=notification.event_id)
    return redirect("web:notifications")


def email_choices(user) -> list[dict]:
    chosen = email_preferences_of(user_id=user.pk)
    return [{"name": name, "label": kind.label, "email": chosen[name]} for name, kind in kinds.KINDS.items()]


@member_required
@require_POST
def email_settings(request):
    """Every kind is on the form: a checked box turns its email on, an unchecked one off."""
    wanted = set(request.POST.getlist("email"))
    email_preferences_update(user_id=request.user.pk, email={name: name in wanted for name in kinds.KINDS})
    note = "" if settings.EMAIL_ENABLED else " This site sends no email at the moment; they apply when it does."
    messages.success(request, "Your email choices are saved." + note)
    return redirect("web:profile")
