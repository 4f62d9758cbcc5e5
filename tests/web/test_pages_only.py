"""web.middleware.PagesOnly: API requests skip the session, the session's user and the messages;
pages and the admin keep them and every protection; the API keeps its security headers."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client

from tests.conftest import client_for
from tests.factories import ClubFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

# What every API answer carried before the change (compared header by header on a sample of
# endpoints, reads, writes, errors and the 406, then pinned here).
API_SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def test_the_web_only_middlewares_are_pages_only():
    from django.utils.module_loading import import_string

    from web.middleware import PagesOnly

    pages_only = {path for path in settings.MIDDLEWARE if issubclass(import_string(path), PagesOnly)}
    assert pages_only == {
        "web.middleware.SessionMiddleware",
        "web.middleware.AuthenticationMiddleware",
        "web.middleware.MessageMiddleware",
    }
    # CSRF, clickjacking and the security headers are Django's own, on every path.
    for path in (
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "django.middleware.security.SecurityMiddleware",
    ):
        assert path in settings.MIDDLEWARE


def _api_answers(user):
    club = ClubFactory()
    ClubMemberFactory(club=club, user=user)
    client = client_for(user)
    return [
        client.get("/api/v1/auth/me/"),
        client.get(f"/api/v1/clubs/{club.pk}/members/"),
        client.get("/api/v1/nope/"),
        client.get("/api/v1/auth/me/", HTTP_ACCEPT="text/html"),
        client.patch("/api/v1/auth/me/", {"name": "Renamed"}, format="json"),
        client.patch("/api/v1/auth/me/", {"bogus": 1}, format="json"),
        Client().get("/api/v1/auth/me/"),
        Client().post("/api/v1/auth/login/", {"email": "x@y.z", "password": "wrong"}, content_type="application/json"),
    ]


def test_api_answers_keep_their_security_headers_and_set_no_cookie():
    user = UserFactory()
    statuses = []
    for response in _api_answers(user):
        statuses.append(response.status_code)
        for header, value in API_SECURITY_HEADERS.items():
            assert response[header] == value, (response.request["PATH_INFO"], header)
        assert "Content-Security-Policy" not in response
        assert not response.cookies
        assert "Cookie" not in response.get("Vary", "")
    assert statuses == [200, 200, 404, 406, 200, 400, 401, 401]


def test_api_requests_never_touch_a_session():
    user = UserFactory()
    with mock.patch.object(SessionBase, "_get_session", side_effect=AssertionError("session read")):
        for response in _api_answers(user):
            assert response.status_code < 500


def test_pages_still_have_sessions_csrf_csp_and_frame_options(user):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/signin/")
    assert page.status_code == 200
    assert "Content-Security-Policy" in page and page["X-Frame-Options"] == "DENY"
    assert page.cookies["csrftoken"]
    # A form post without the token is refused; with it, the session signs the user in.
    assert (
        client.post("/signin/", {"username": user.email, "password": "correct-horse-battery-staple"}).status_code == 403
    )
    token = page.cookies["csrftoken"].value
    client.post(
        "/signin/", {"username": user.email, "password": "correct-horse-battery-staple", "csrfmiddlewaretoken": token}
    )
    assert client.cookies["sessionid"].value
    home = client.get("/")
    assert home.status_code == 200 and home.wsgi_request.user == user


def test_the_admin_keeps_sessions_csrf_messages_and_frame_options():
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    login = client.get("/admin/login/")
    assert login.status_code == 200 and login["X-Frame-Options"] == "DENY"
    assert client.post("/admin/login/", {"username": admin.email, "password": "x"}).status_code == 403
    client.force_login(admin)
    index = client.get("/admin/")
    assert index.status_code == 200 and index.wsgi_request.user == admin
    assert hasattr(index.wsgi_request, "_messages")
