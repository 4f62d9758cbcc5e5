"""Which requests are the web app's pages, the Content-Security-Policy they carry, the
authentication middleware that takes the signed-in user from the session's row (`web.sessions`),
and the middlewares that only pages need (`PagesOnly`).

The policy allows scripts and styles from our own static files only (htmx included; htmx is
configured by a meta tag), so no inline script or style can run. The admin and the API docs, which
have inline scripts of their own, and the JSON API do not get it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.backends import ModelBackend
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def is_web_page(request) -> bool:
    """A page of the member web app (at the site root), whose errors are HTML pages: what its URLs
    resolved, and unknown paths outside the API and the admin."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.namespace == "web"
    return not request.path.startswith(("/api/", "/admin/"))


API_PATH_PREFIX = "/api/"


class PagesOnly:
    """A middleware mixin: requests of the JSON API (paths under `/api/`) pass straight through.

    For the middlewares that serve the web app and the admin only: the session, the session's user
    and the messages. API requests authenticate by Bearer token (DRF sets `request.user`), never
    read a session or a message, and paid for building all three on every request (a tenth of the
    middleware work of an API read). CSRF, X-Frame-Options and the security headers stay on every
    path (tests/web/test_pages_only.py). One visible difference: an API write no longer answers
    `Vary: Cookie` (pghistory's middleware used to touch the session looking for a user); no API
    answer depends on a cookie."""

    def __call__(self, request):
        if request.path_info.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(PagesOnly, sessions_middleware.SessionMiddleware):
    """Django's, for pages only (`PagesOnly`)."""


class MessageMiddleware(PagesOnly, messages_middleware.MessageMiddleware):
    """Django's, for pages only (`PagesOnly`)."""


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_web_page(request):
            response.setdefault("Content-Security-Policy", POLICY)
        return response


def _user_from_session(request):
    """The user read with the session row (`web.sessions`), when it is exactly the user Django's
    `auth.get_user` would return: the session names that user and a backend that loads users as
    `ModelBackend` does, the user may still sign in (`is_active`), and the session's password hash
    is the user's current one. Otherwise None, and Django's own path decides (a second query; it
    also flushes a session whose hash no longer matches, or rotates one signed with an old key)."""
    session = request.session
    try:  # reading a key first loads the row, and its user
        user_id = session[SESSION_KEY]
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return None
    user = getattr(session, "row_user", None)
    if user is None or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    backend = load_backend(backend_path)
    if type(backend).get_user is not ModelBackend.get_user or not backend.user_can_authenticate(user):
        return None
    if str(user.pk) != str(user_id):
        return None
    session_hash = session.get(HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None
    return user


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = _user_from_session(request) or auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(PagesOnly, auth_middleware.AuthenticationMiddleware):
    """Django's, but the signed-in user comes with the session row when it can (see above); for
    pages only (`PagesOnly`: the API's user is DRF's)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))
