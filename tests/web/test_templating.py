"""The web app's Jinja2 environment (web/templating.py) keeps Django's meaning: its `url`,
`static`, `date` and `time` give what Django's tags and filters give, its caches follow setting
changes, values are escaped, and each page carries one valid CSRF field."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.template import defaultfilters, engines
from django.templatetags.static import static as django_static
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import ClubFactory, ClubMemberFactory, EventFactory

WEB = engines["web"]


def render(source: str, **context) -> str:
    return WEB.from_string(source).render(context)


def test_url_is_djangos_reverse_with_args_and_kwargs():
    assert render("{{ url('web:home') }}") == reverse("web:home")
    assert render("{{ url('web:meeting', 'abc') }}") == reverse("web:meeting", args=["abc"])
    assert render("{{ url('web:password_reset_confirm', uidb64='MQ', token='t-1') }}") == reverse(
        "web:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "t-1"}
    )


def test_url_follows_the_script_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    before = get_script_prefix()
    try:
        assert render("{{ url('web:home') }}") == "/"
        set_script_prefix("/books/")
        assert render("{{ url('web:home') }}") == "/books/"
    finally:
        set_script_prefix(before)


def test_static_and_htmx_follow_setting_changes():
    assert render("{{ static('web/site.css') }}") == django_static("web/site.css")
    with override_settings(STATIC_URL="/assets/"):
        assert render("{{ static('web/site.css') }}") == "/assets/web/site.css"
        assert 'src="/assets/django_htmx/' in render("{{ htmx_script() }}")
    assert render("{{ static('web/site.css') }}") == django_static("web/site.css")


@pytest.mark.parametrize(
    ("value", "fmt"),
    [
        (dt.date(2026, 12, 3), "D j M"),
        (dt.date(2026, 12, 3), "l j F Y"),
        (dt.time(19, 5), "H:i"),
        (dt.datetime(2026, 7, 1, 22, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York")), "c"),
        (dt.datetime(2026, 7, 1, 22, 30, tzinfo=dt.UTC), "j M Y H:i"),
        (None, "H:i"),
    ],
)
def test_date_and_time_are_djangos_filters_in_the_current_zone(value, fmt):
    converted = timezone.template_localtime(value)
    expected = (defaultfilters.time if isinstance(value, dt.time) else defaultfilters.date)(converted, fmt)
    name = "time" if isinstance(value, dt.time) else "date"
    assert render(f"{{{{ value|{name}(fmt) }}}}", value=value, fmt=fmt) == expected


def test_an_aware_datetime_is_shown_in_the_current_zone_like_djangos_engine():
    value = dt.datetime(2026, 7, 1, 22, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    assert render("{{ value|date('c') }}", value=value) == "2026-07-02T02:30:00+00:00"
    with timezone.override("Europe/Paris"):
        assert render("{{ value|date('c') }}", value=value) == "2026-07-02T04:30:00+02:00"


def test_values_are_escaped_and_safe_strings_are_not():
    assert render("{{ v }}", v="<b>&'") == "&lt;b&gt;&amp;&#39;"
    assert render("{{ v|linebreaksbr }}", v="a\n<b>") == "a<br>&lt;b&gt;"


def test_plain_text_email_is_not_escaped():
    from web.emails import BODY_TEMPLATE

    class U:
        name, email = "Ann & <Bo>", "ann@example.com"

    text = WEB.get_template(BODY_TEMPLATE).render(
        {"user": U, "protocol": "https", "domain": "example.com", "uid": "MQ", "token": "t-1"}
    )
    assert "Hello Ann & <Bo>," in text and "https://example.com/password-reset/MQ/t-1/" in text


@pytest.mark.django_db
def test_one_valid_csrf_field_per_page(user):
    club = ClubFactory()
    ClubMemberFactory(club=club, user=user)
    event = EventFactory(club=club)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(f"/meetings/{event.pk}/").text
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert len(tokens) == 1 and page.count('name="csrfmiddlewaretoken"') >= 3
    response = client.post(f"/meetings/{event.pk}/rsvp/", {"status": "maybe", "csrfmiddlewaretoken": tokens.pop()})
    assert response.status_code == 302
    assert "Maybe" in client.get(f"/meetings/{event.pk}/").text


def test_an_empty_forms_fields_are_drawn_as_the_macro_draws_them_once():
    from web.forms import ItemForm
    from web.templating import empty_form_fields

    drawn = WEB.from_string(
        '{% from "web/_field.html" import form_field %}{% for f in form %}{{ form_field(f) }}{% endfor %}'
    ).render({"form": ItemForm()})
    html = empty_form_fields(ItemForm)
    assert html == drawn and 'name="category"' in html and "selected" in html
    assert empty_form_fields(ItemForm) is html
