"""Django admin for staff: every model registered, every page answers, query counts stay flat."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "clubs", "events", "availability", "event_items")

FACTORY_FOR = {
    "accounts.user": factories.UserFactory,
    "accounts.refreshtoken": factories.RefreshTokenFactory,
    "clubs.club": factories.ClubFactory,
    "clubs.clubmember": factories.ClubMemberFactory,
    "events.event": factories.EventFactory,
    "availability.availability": factories.AvailabilityFactory,
    "event_items.eventitem": factories.EventItemFactory,
}


def our_models():
    return [model for model in apps.get_models() if model._meta.app_label in OUR_APPS]


@pytest.fixture
def staff_client(client):
    staff = factories.UserFactory(is_staff=True, is_superuser=True, email="staff@example.com")
    assert client.login(username="staff@example.com", password=factories.DEFAULT_PASSWORD)
    client.staff_user = staff
    return client


def test_every_model_is_registered_and_has_a_factory():
    for model in our_models():
        assert model in admin.site._registry, f"{model._meta.label} is not in the admin"
        assert model._meta.label_lower in FACTORY_FOR


@pytest.mark.parametrize("label", sorted(FACTORY_FOR))
def test_changelist_add_and_change_pages_answer_200(staff_client, label):
    model = apps.get_model(label)
    obj = FACTORY_FOR[label]()
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert staff_client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert staff_client.get(reverse(f"{prefix}_changelist"), {"q": "a"}).status_code == 200
    add = staff_client.get(reverse(f"{prefix}_add"))
    assert add.status_code in (200, 403)  # 403 only where adding is deliberately not allowed
    if add.status_code == 403:
        assert not admin.site._registry[model].has_add_permission(add.wsgi_request)
    assert staff_client.get(reverse(f"{prefix}_change", args=[obj.pk])).status_code == 200


@pytest.mark.parametrize("label", sorted(FACTORY_FOR))
def test_changelist_query_count_does_not_grow_with_rows(staff_client, label):
    model = apps.get_model(label)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    FACTORY_FOR[label].create_batch(2)
    staff_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url).status_code == 200
    FACTORY_FOR[label].create_batch(25)
    with CaptureQueriesContext(connection) as many:
        assert staff_client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_non_staff_user_cannot_enter_the_admin(client):
    factories.UserFactory(email="plain@example.com")
    assert client.login(username="plain@example.com", password=factories.DEFAULT_PASSWORD)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_sign_in_with_email_and_password(client):
    factories.UserFactory(is_staff=True, email="desk@example.com")
    response = client.post(
        reverse("admin:login"),
        {"username": "DESK@example.com", "password": factories.DEFAULT_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_admin_keeps_html_error_pages(staff_client):
    response = staff_client.get("/admin/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
