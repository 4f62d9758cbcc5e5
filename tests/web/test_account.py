"""Sign in, register, sign out, the emailed password reset, the profile and its sessions."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.models import RefreshToken, User
from accounts.services import ClientInfo, user_login
from tests.factories import DEFAULT_PASSWORD, RefreshTokenFactory, UserFactory
from web.emails import password_reset_email_send
from web.models import WebSession
from web.tasks import PASSWORD_RESET_TASK

pytestmark = pytest.mark.django_db


def test_sign_in_then_home(client):
    user = UserFactory(email="ada@example.com", name="Ada")
    response = client.post("/signin/", {"username": "ADA@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "Hello, Ada" in client.get("/").text
    row = WebSession.objects.get(user=user)  # the session row knows its user
    assert row.session_key == client.session.session_key


def test_sign_in_wrong_password_is_a_form_error(client):
    UserFactory(email="ada@example.com")
    response = client.post("/signin/", {"username": "ada@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert "Wrong email or password." in response.text
    assert "_auth_user_id" not in client.session


def test_sign_in_is_throttled_per_account_together_with_the_api(client, api_client, settings):
    UserFactory(email="ada@example.com")
    # The API's per-account bucket (login_email, 5/min) is the web form's too.
    for _ in range(3):
        api_client.post("/api/v1/auth/login/", {"email": "ada@example.com", "password": "wrong"}, format="json")
    for _ in range(2):
        assert "Wrong email" in client.post("/signin/", {"username": "ada@example.com", "password": "x"}).text
    response = client.post("/signin/", {"username": "ada@example.com", "password": DEFAULT_PASSWORD})
    assert "Too many sign-in attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_register_signs_in_and_opens_discover(client):
    response = client.post(
        "/register/", {"name": "Ben", "email": "Ben@Example.com", "phone": "", "password": "a-long-unusual-password"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/clubs/"
    user = User.objects.get(email="ben@example.com")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert not RefreshToken.objects.filter(user=user).exists()  # a web sign-up starts no API session


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Ben", "email": "taken@example.com", "password": "a-long-unusual-password"}, "already exists"),
        ({"name": "Ben", "email": "ben@example.com", "password": "short"}, "too short"),
        ({"name": "Ben", "email": "ben@example.com", "password": "1234567890123"}, "entirely numeric"),
        ({"name": "", "email": "not-an-email", "password": "a-long-unusual-password"}, "valid email"),
    ],
)
def test_register_form_errors(client, data, message):
    UserFactory(email="taken@example.com")
    response = client.post("/register/", data)
    assert response.status_code == 400
    assert message in response.text
    assert not User.objects.filter(email="ben@example.com").exists()


def test_sign_out_is_post_only(client, user):
    client.force_login(user)
    assert client.get("/signout/").status_code == 405
    response = client.post("/signout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def _reset_jobs() -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT args FROM procrastinate_jobs WHERE task_name = %s", [PASSWORD_RESET_TASK])
        return [json.loads(row[0]) if isinstance(row[0], str) else row[0] for row in cursor.fetchall()]


def test_password_reset_by_email(client, settings):
    settings.EMAIL_ENABLED = True
    user = UserFactory(email="ada@example.com", name="Ada")
    api_session = RefreshTokenFactory(user=user)
    other = Client()
    other.force_login(user)
    response = client.post("/password-reset/", {"email": "ada@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    # The request only queues a job naming the user: no token at rest, no send in the request.
    assert mail.outbox == []
    (job,) = _reset_jobs()
    assert job == {"user_id": str(user.pk), "domain": "testserver", "protocol": "http"}
    assert password_reset_email_send(**job) == "sent"  # what the worker runs
    (message,) = mail.outbox
    assert message.to == ["ada@example.com"]
    link = re.search(r"http://testserver(/password-reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.text
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_url, {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase")
    api_session.refresh_from_db()
    assert api_session.is_revoked  # every API session ended
    assert other.get("/").status_code == 302  # and every web session (the password hash changed)
    assert not WebSession.objects.filter(user=user).exists()
    assert "no longer valid" in client.get(link, follow=True).text  # the link works once


def test_password_reset_for_an_unknown_email_queues_nothing_and_says_the_same(client, settings):
    settings.EMAIL_ENABLED = True
    response = client.post("/password-reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/password-reset/sent/"
    assert _reset_jobs() == []


def test_password_reset_without_email_says_so_and_sends_nothing(client, settings):
    settings.EMAIL_ENABLED = False
    UserFactory(email="ada@example.com")
    assert "sends no email" in client.get("/password-reset/").text
    response = client.post("/password-reset/", {"email": "ada@example.com"})
    assert response.status_code == 200 and "sends no email" in response.text
    assert _reset_jobs() == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_reset_email(client, settings):
    settings.EMAIL_ENABLED = True
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")
    UserFactory(email="ada@example.com")
    client.post("/password-reset/", {"email": "ada@example.com"})
    call_command("worker", "--once")
    (message,) = mail.outbox
    assert "/password-reset/" in message.body and message.to == ["ada@example.com"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE task_name = %s", [PASSWORD_RESET_TASK])
        assert cursor.fetchall() == [("succeeded",)]
        cursor.execute("DELETE FROM procrastinate_jobs")


def test_profile_update_and_errors(client, user):
    client.force_login(user)
    response = client.post("/profile/", {"name": "New Name", "phone": "+44 20 7946 0000", "avatar": ""})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.phone, user.avatar) == ("New Name", "+44 20 7946 0000", None)
    response = client.post("/profile/", {"name": "", "phone": "1" * 30, "avatar": "javascript:alert(1)"})
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert "Enter a valid URL." in response.text


def test_password_change_keeps_this_session_and_ends_the_others(client, user):
    client.force_login(user)
    other = Client()
    other.force_login(user)
    pair = user_login(email=user.email, password=DEFAULT_PASSWORD, client=ClientInfo())
    response = client.post("/profile/password/", {"current_password": "wrong", "new_password": "x-new-long-passphrase"})
    assert response.status_code == 400
    assert "current password is incorrect" in response.text
    response = client.post(
        "/profile/password/", {"current_password": DEFAULT_PASSWORD, "new_password": "x-new-long-passphrase"}
    )
    assert response.status_code == 302
    assert client.get("/profile/").status_code == 200
    assert other.get("/profile/").status_code == 302
    assert list(WebSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        client.session.session_key
    ]
    assert RefreshToken.objects.get(user=user, parent=None).is_revoked
    assert pair.refresh


def test_sign_out_other_sessions_and_everywhere(client, user):
    client.force_login(user)
    other = Client()
    other.force_login(user)
    api_session = RefreshTokenFactory(user=user)
    page = client.get("/profile/")
    assert "this browser" in page.text
    client.post("/profile/sessions/")
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200
    api_session.refresh_from_db()
    assert api_session.is_revoked
    response = client.post("/profile/sessions/", {"everywhere": "1"})
    assert response["Location"] == "/signin/"
    assert client.get("/").status_code == 302
    assert not WebSession.objects.filter(user=user).exists()
