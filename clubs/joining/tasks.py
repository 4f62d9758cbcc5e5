"""The worker's job of this app: the invitation email to an address that has no account yet
(registered people get a `club_invite` notification instead, with its own email).

Never twice: the send marks the invite (`emailed_at`) in the transaction that talks to the mail
server, with an UPDATE that only an unmarked invite matches; a second worker waits on that row
and then finds it marked. A failed send rolls the mark back and raises (retried with backoff,
`notifications.tasks.EmailRetry`).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import close_old_connections, connections, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from procrastinate.contrib.django import app

from clubs.joining.models import Invite
from clubs.joining.notify import INVITE_EMAIL_TASK, invite_url
from core.context import job_run
from notifications.services import EMAIL_QUEUE
from notifications.tasks import EmailRetry

log = logging.getLogger(__name__)


def invite_email_send(*, invite_id) -> str:
    """Send the invitation email of `invite_id` unless it went out already or is moot (gone,
    revoked, used, expired, no address, email off). Returns `sent`, `already_sent`, `not_wanted`
    or `gone`."""
    with transaction.atomic():
        invite = Invite.objects.select_related("club", "created_by").filter(pk=invite_id).first()
        if invite is None:
            return "gone"
        if not (settings.EMAIL_ENABLED and invite.email) or invite.revoked or invite.uses >= invite.max_uses:
            return "not_wanted"
        if invite.expires_at <= timezone.now():
            return "not_wanted"
        if not Invite.objects.filter(pk=invite.pk, emailed_at=None).update(emailed_at=timezone.now()):
            return "already_sent"
        inviter = invite.created_by.name if invite.created_by else "A Bookwork club"
        context = {
            "inviter": inviter,
            "club": invite.club.name,
            "email": invite.email,
            "url": invite_url(invite.code),
            "expires_at": invite.expires_at,
        }
        EmailMessage(
            subject=f"{inviter} invited you to {invite.club.name}",
            body=render_to_string("joining/email/invite.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[invite.email],
            headers={"Message-ID": f"<invite-{invite.pk}@{_domain()}>", "Auto-Submitted": "auto-generated"},
        ).send()
        return "sent"


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "bookwork"


@app.task(name=INVITE_EMAIL_TASK, queue=EMAIL_QUEUE, retry=EmailRetry())
def send_invite_email(*, invite_id: str, origin: dict | None = None) -> str:
    close_old_connections()
    try:
        with job_run(INVITE_EMAIL_TASK, origin):
            outcome = invite_email_send(invite_id=invite_id)
        log.info("invite email %s", outcome, extra={"invite_id": invite_id})
        return outcome
    finally:
        connections.close_all()
