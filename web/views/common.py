"""What every page view shares: turning a service's refusal into a message, and answering htmx
requests with a fragment but plain form posts with a redirect (every page works without JS)."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import redirect
from rest_framework.exceptions import APIException, PermissionDenied

from web.forms import _messages

# Every page but sign-in, register and reset needs a signed-in member (the sign-in page, not
# settings.LOGIN_URL, which stays Django's default).
member_required = partial(login_required, login_url="web:login")

# What a service raises when it refuses an action: DRF's exceptions (403, 409, 400 and the like)
# and Django's ValidationError (event dates, assignees). Http404 is not among them: it stays a 404.
REFUSALS = (APIException, DjangoValidationError)


def refusal_text(error: Exception) -> str:
    if isinstance(error, APIException):
        return " ".join(_messages(error.detail))
    return " ".join(_messages(error.message_dict if hasattr(error, "error_dict") else error.messages))


def allowed(check, /, **kwargs) -> bool:
    """Whether a service's `*_check` (the rule the service and the API apply) lets the caller do
    it: a page offers only the buttons whose action would be allowed, and the handler of the
    action asks the same check again (docs/architecture.md, "Authorization")."""
    try:
        check(**kwargs)
    except PermissionDenied:
        return False
    return True


def refuse(request, error: Exception) -> None:
    messages.error(request, refusal_text(error))


def back_to(url: str):
    return redirect(url)
