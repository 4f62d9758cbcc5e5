"""Emails of notifications: the message (plain and HTML parts from templates, RFC 8058 one-click
unsubscribe headers), the signed unsubscribe token, and the send the worker runs.

Never twice: the send is recorded (`EmailSend`, UNIQUE per notification) in the transaction
that talks to the mail server, and committed only after the server accepted the message. A
second worker claiming the same notification waits on that unique key and finds it taken; a
worker that fails or is killed mid-send leaves no record (its transaction is rolled back by
PostgreSQL when its connection drops), so the retry sends it, once. The one window left is the
instant between the server's acceptance and the commit; the Message-ID is derived from the
notification so that receiving servers can drop such a duplicate too.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from notifications import kinds
from notifications import sql as notification_sql
from notifications.models import Notification
from notifications.selectors import email_wanted

_UNSUBSCRIBE_SALT = "bookwork.notifications.unsubscribe"


def unsubscribe_token(*, user_id, kind: str) -> str:
    """A signed token naming the user and the kind (no expiry: mails are kept for years)."""
    return signing.dumps({"u": str(user_id), "k": kind}, salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[str, str] | None:
    """(user id, kind) of a valid token; None for a forged, altered or unknown-kind one."""
    try:
        value = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("k") not in kinds.KINDS or not isinstance(value.get("u"), str):
        return None
    return value["u"], value["k"]


def unsubscribe_url(*, user_id, kind: str) -> str:
    path = reverse("notifications-unsubscribe", kwargs={"token": unsubscribe_token(user_id=user_id, kind=kind)})
    return settings.PUBLIC_URL + path


def message_id(notification: Notification) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "bookwork"
    return f"<notification-{notification.pk}@{domain}>"


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The email of `notification` (its `user` loaded) to that user's address."""
    user = notification.user
    kind = kinds.get(notification.kind)
    link = unsubscribe_url(user_id=user.pk, kind=kind.name)
    context = {
        "notification": notification,
        "user": user,
        "kind": kind,
        "data": notification.data,
        "unsubscribe_url": link,
    }
    message = EmailMultiAlternatives(
        subject=notification.title,
        body=render_to_string(f"{kind.email_template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": message_id(notification),
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string(f"{kind.email_template}.html", context), "text/html")
    return message


def notification_email_send(*, notification_id) -> str:
    """Send the email of one notification unless it went out already or is no longer wanted (the
    user unsubscribed, was deactivated, or email was turned off since). Returns what happened:
    `sent`, `already_sent`, `not_wanted` or `gone`. A mail-server failure raises (the worker
    retries with backoff) and records nothing."""
    with transaction.atomic():
        notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
        if notification is None:
            return "gone"
        user = notification.user
        if not (settings.EMAIL_ENABLED and user.is_active and user.email):
            return "not_wanted"
        if not email_wanted(user_id=user.pk, kind=notification.kind):
            return "not_wanted"
        message = notification_email(notification)
        with connection.cursor() as cursor:
            cursor.execute(
                notification_sql.email_send_claim(),
                {
                    "notification": notification.pk,
                    "recipient": user.email,
                    "message_id": message.extra_headers["Message-ID"],
                },
            )
            if cursor.fetchone() is None:
                return "already_sent"
        message.send()
        return "sent"
