"""The web app's worker job (procrastinate, autodiscovered by `manage.py worker`): the
password-reset email, on the notifications' email queue with their retry policy."""

from __future__ import annotations

import logging

from django.db import close_old_connections, connections
from procrastinate.contrib.django import app

from notifications.services import EMAIL_QUEUE
from notifications.tasks import EmailRetry
from web import emails

PASSWORD_RESET_TASK = "web.send_password_reset_email"

log = logging.getLogger(__name__)


@app.task(name=PASSWORD_RESET_TASK, queue=EMAIL_QUEUE, retry=EmailRetry())
def send_password_reset_email(*, user_id: str, domain: str, protocol: str) -> str:
    close_old_connections()
    try:
        outcome = emails.password_reset_email_send(user_id=user_id, domain=domain, protocol=protocol)
    finally:
        connections.close_all()
    log.info("password reset email %s", outcome, extra={"user_id": user_id})
    return outcome
