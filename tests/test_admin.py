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

OUR_APPS = ("accounts", "clubs", "events", "availability", "event_items", "webhooks")

FACTORY_FOR = {
    "accounts.user": factories.UserFactory,
    "accounts.refreshtoken": factories.RefreshTokenFactory,
    "accounts.calendarfeed": factories.CalendarFeedFactory,
    "accounts.idempotencyrecord": factories.IdempotencyRecordFactory,
    "webhooks.webhook": factories.WebhookFactory,
    "webhooks.webhookdelivery": factories.WebhookDeliveryFactory,
    "webhooks.webhookattempt": factories.WebhookAttemptFactory,
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


def _with_children(label: str):
    """An object of `label` whose change page has filled inline rows (clubs, events)."""
    if label == "clubs.club":
        club = factories.ClubFactory()
        factories.ClubMemberFactory(club=club, user=factories.UserFactory(name="Ada Reader"))
        return club
    if label == "events.event":
        event = factories.EventFactory(max_attendees=5)
        member = factories.ClubMemberFactory(club=event.club, user=factories.UserFactory(name="Ada Reader")).user
        from events.availability.services import availability_set

        availability_set(event_id=event.pk, user=member, status="available", notes="Bringing cake")
        factories.EventItemFactory(event=event, notes="Two copies")
        return event
    return FACTORY_FOR[label]()


@pytest.mark.parametrize("label", sorted(FACTORY_FOR))
def test_no_page_shows_a_python_object_repr(staff_client, label):
    """Add pages, empty inline rows (and the hidden template row) and change pages show values,
    never `<django.db.models.expressions.DatabaseDefault object at 0x...>`."""
    model = apps.get_model(label)
    obj = _with_children(label)
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    for url in (reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add"), reverse(f"{prefix}_change", args=[obj.pk])):
        response = staff_client.get(url)
        if response.status_code == 403:  # adding deliberately not allowed (checked above)
            continue
        assert response.status_code == 200, url
        assert b"object at 0x" not in response.content, url


def test_inline_rows_and_attendees_show_names_and_emails(staff_client):
    event = _with_children("events.event")
    member = event.club.memberships.get(user__name="Ada Reader").user
    page = staff_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert f"Ada Reader &lt;{member.email}&gt; → {event}" in page  # the RSVP row's heading
    assert f"<div>Ada Reader &lt;{member.email}&gt;</div>" in page  # Attendees
    assert str(member.pk) not in page.replace(f'value="{member.pk}"', "")  # the id only as a form value

    club = _with_children("clubs.club")
    member = club.memberships.get(user__name="Ada Reader").user
    page = staff_client.get(reverse("admin:clubs_club_change", args=[club.pk])).content.decode()
    assert f"Ada Reader &lt;{member.email}&gt; in {club.name}" in page


def test_inline_row_headings_cost_no_query_per_row(staff_client):
    """Each RSVP row is headed by its user and event (select_related); the only per-row query left
    is Django's autocomplete widget loading that row's selected user."""
    event = _with_children("events.event")
    url = reverse("admin:events_event_change", args=[event.pk])
    staff_client.get(url)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    from events.availability.services import availability_set

    for _ in range(5):
        user = factories.ClubMemberFactory(club=event.club).user
        availability_set(event_id=event.pk, user=user, status="available")
    with CaptureQueriesContext(connection) as many:
        assert staff_client.get(url).status_code == 200
    assert len(many) - len(few) <= 5, [q["sql"] for q in many.captured_queries]


def test_the_admin_is_branded_and_view_site_leads_to_the_web_app(staff_client):
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert "<title>Administration | Bookwork admin</title>" in page
    assert ">Bookwork</a>" in page and "Django administration" not in page
    assert 'href="/">View site</a>' in page
    assert staff_client.get("/").status_code == 200  # staff are users: the web app lets them in
