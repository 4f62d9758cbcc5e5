"""The password-reset email, sent by the worker (`web.tasks`), not in the request: the request only
defers a job naming the user (no token at rest in the job queue); the worker makes the one-time
link with Django's token generator when it sends, so the link is as fresh as the email."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User

SUBJECT_TEMPLATE = "web/email/password_reset_subject.txt"
BODY_TEMPLATE = "web/email/password_reset.txt"


def password_reset_email_send(*, user_id: str, domain: str, protocol: str) -> str:
    """Send the reset link to the user's address; "skipped" when the user is gone or inactive (a
    deactivated account is not reopened by email), else "sent". A mail server error propagates
    (the job is retried)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return "skipped"
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
    }
    subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    send_mail(subject, render_to_string(BODY_TEMPLATE, context), None, [user.email])
    return "sent"
