"""The page for a form post whose CSRF check failed (CSRF_FAILURE_VIEW). Outside the web app the
JSON error middleware turns the 403 into the API's error shape, as before."""

from __future__ import annotations

from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    return render(request, "web/403_csrf.html", status=403)
