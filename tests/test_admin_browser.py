"""The admin and the API docs in a real headless Chromium (Debian's `chromium`, driven by
Playwright; no browser is downloaded). One browser serves the whole module.

- The event change page, with RSVP and item rows, fits a 1,280 px wide window.
- The API docs render with every host other than the app blocked (they work without internet).

Screenshots go to a temporary directory, or to SCREENSHOT_DIR when set (docs/screenshots/ is
refreshed with `make test PYTEST_ARGS="tests/test_admin_browser.py -n0" SCREENSHOT_DIR=docs/screenshots`).
Locally the module is skipped when Chromium is missing; under CI (which installs it) it fails.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from events.availability.services import availability_set
from tests import factories

WIDTH = 1280

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    directory = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def page(browser, live_server):
    """A 1,280 px wide tab that reaches only the live server: any other host is blocked and noted."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.foreign_requests = []
    own = urlsplit(live_server.url).netloc

    def route(request_route):
        url = request_route.request.url
        if urlsplit(url).netloc == own:
            request_route.continue_()
        else:
            page.foreign_requests.append(url)
            request_route.abort()

    page.route("**/*", route)
    yield page
    context.close()


def sign_in(page) -> None:
    staff = factories.UserFactory(is_staff=True, is_superuser=True, name="Sam Staff", email="sam@example.com")
    page.goto(reverse("admin:login"))
    page.fill("#id_username", staff.email)
    page.fill("#id_password", factories.DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def a_busy_event():
    owner = factories.UserFactory(name="Olivia Owner", email="olivia@example.com")
    club = factories.ClubFactory(name="Tuesday Readers", owner=owner, max_members=20)
    event = factories.EventFactory(
        club=club,
        title="Middlemarch, part one",
        event_date=dt.date.today() + dt.timedelta(days=10),
        max_attendees=3,
        description="Books I-III. Bring your copy and your questions.",
    )
    people = [
        ("Ada Lovelace", "ada@example.com", "available", "Bringing a lemon cake for everyone"),
        ("Ben Okri", "ben@example.com", "available", ""),
        ("Chloe Zhao", "chloe@example.com", "maybe", "Depends on the trains that evening"),
        ("Dev Patel", "dev@example.com", "available", "Can host next time"),
        ("Ema Kovac", "ema@example.com", "available", "Waitlist is fine"),
    ]
    for name, email, status, notes in people:
        user = factories.ClubMemberFactory(club=club, user=factories.UserFactory(name=name, email=email)).user
        availability_set(event_id=event.pk, user=user, status=status, notes=notes or None)
    for name, category, notes in [
        ("Discussion questions", "agenda", "Ten questions on Dorothea's choices, shared a day before"),
        ("Snacks", "material", "Something savoury, please"),
        ("Book the room", "task", "Library, room 2, 19:00-21:00"),
    ]:
        factories.EventItemFactory(event=event, name=name, category=category, notes=notes, created_by=owner)
    return event


def test_event_change_page_fits_1280_px(page, screenshot_dir):
    sign_in(page)
    event = a_busy_event()
    page.goto(reverse("admin:events_event_change", args=[event.pk]))
    page.wait_for_selector("#availabilities-group")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(screenshot_dir / "admin-event-change.png"), full_page=True)
    assert width <= WIDTH, f"the event change page is {width} px wide"
    text = page.inner_text("body")
    assert "Ada Lovelace <ada@example.com>" in text  # Attendees and the RSVP rows by name and email
    assert "object at 0x" not in page.content()
    assert page.foreign_requests == []


def test_club_pages_render_names_and_fit(page, screenshot_dir):
    sign_in(page)
    event = a_busy_event()
    page.goto(reverse("admin:clubs_club_change", args=[event.club_id]))
    page.wait_for_selector("#memberships-group")
    page.screenshot(path=str(screenshot_dir / "admin-club-change.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert "Ada Lovelace <ada@example.com> in Tuesday Readers" in page.inner_text("body")

    page.goto(reverse("admin:clubs_clubmember_add"))
    page.screenshot(path=str(screenshot_dir / "admin-club-member-add.png"), full_page=True)
    assert "object at 0x" not in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_the_api_docs_render_without_internet(page, screenshot_dir):
    page.goto(reverse("docs"))
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "Bookwork API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag", timeout=20_000)  # the schema was loaded and rendered
    page.screenshot(path=str(screenshot_dir / "api-docs.png"))
    assert page.foreign_requests == []
