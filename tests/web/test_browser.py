"""The member journeys in a real headless Chromium (Debian's `chromium`, driven by Playwright as in
tests/test_admin_browser.py; no browser is downloaded), with axe-core (axe-playwright-python)
checking every page for serious or critical accessibility violations. One browser per module.

1. A newcomer registers, discovers a club, joins, RSVPs to a full meeting, is waitlisted, and is
   promoted when the member holding the seat withdraws (two browser contexts).
2. An organizer creates a meeting and sees the RSVPs arrive.
3. A member signs out everywhere: their other browser is signed out too.

Each page is shot at 390 px and 1,280 px into a temporary directory, or SCREENSHOT_DIR when set
(docs/screenshots/ is refreshed with
`make test PYTEST_ARGS="tests/web/test_browser.py -n0" SCREENSHOT_DIR=docs/screenshots`), and
must not scroll sideways at either width. Skipped locally without Chromium; under CI it fails.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from events.availability.services import availability_set
from events.models import Event
from notifications import kinds
from notifications.services import notifications_create
from tests import factories

WIDTHS = (390, 1280)
BLOCKING = {"serious", "critical"}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    directory = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def open_tab(browser, live_server, axe, screenshot_dir):
    """`open_tab()` → a new browser context's tab that reaches only the live server and records
    CSP violations; `tab.check(name)` shoots, measures and axe-checks the current page."""
    contexts = []
    own = urlsplit(live_server.url).netloc

    def open_tab():
        context = browser.new_context(viewport={"width": WIDTHS[-1], "height": 900}, base_url=live_server.url)
        contexts.append(context)
        tab = context.new_page()

        tab.problems = []

        def route(request_route):
            if urlsplit(request_route.request.url).netloc == own:
                request_route.continue_()
            else:
                tab.problems.append(f"foreign request {request_route.request.url}")
                request_route.abort()

        tab.route("**/*", route)
        tab.on(
            "console",
            lambda message: tab.problems.append(message.text) if "Content Security Policy" in message.text else None,
        )
        tab.on("pageerror", lambda error: tab.problems.append(f"page error: {error}"))
        tab.check = lambda name: _check(tab, axe, screenshot_dir, name)
        return tab

    yield open_tab
    for context in contexts:
        context.close()


def _check(tab, axe, directory: Path, name: str) -> None:
    assert tab.problems == [], f"before {name}"
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 900})
        scroll_width = tab.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{name} is {scroll_width} px wide in a {width} px window"
        tab.screenshot(path=str(directory / f"web-{name}-{width}.png"), full_page=True)
        results = axe.run(tab)
        blocking = [
            f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']]}"
            for violation in results.response["violations"]
            if violation["impact"] in BLOCKING
        ]
        assert blocking == [], f"axe on {name} at {width} px: {blocking}"
        # axe leaves empty `style=""` attributes behind; htmx copying them onto a swapped panel
        # would count as an inline style under the CSP, which no real visitor's page ever carries.
        tab.evaluate("document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))")
    assert tab.problems == []


def sign_in(tab, user) -> None:
    tab.goto("/signin/")
    tab.get_by_label("Email").fill(user.email)
    tab.get_by_label("Password").fill(factories.DEFAULT_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_role("heading", name=f"Hello, {user.name}").wait_for()


def test_newcomer_joins_is_waitlisted_and_promoted(open_tab):
    owner = factories.UserFactory(name="Olivia Owner")
    club = factories.ClubFactory(
        name="Tuesday Readers",
        owner=owner,
        description="We read one classic a month and argue about it over tea.",
        tags=["classics", "tea"],
        current_book="Middlemarch",
        location="Central Library",
    )
    factories.ClubFactory(name="Poetry at Noon", tags=["poetry"], description="Short poems, long lunches.")
    ben = factories.ClubMemberFactory(club=club, user=factories.UserFactory(name="Ben Okri")).user
    event = factories.EventFactory(
        club=club,
        title="Middlemarch, part one",
        event_date=timezone.localdate() + dt.timedelta(days=10),
        max_attendees=1,
        location="Central Library, room 2",
        description="Books I-III. Bring your copy and your questions.",
    )
    availability_set(event_id=event.pk, user=ben, status="available")
    factories.EventItemFactory(event=event, name="Discussion questions", category="agenda", created_by=owner)

    ada = open_tab()
    ada.goto("/signin/")
    ada.check("signin")
    ada.get_by_role("link", name="Create an account").click()
    ada.wait_for_url("**/register/")
    ada.get_by_role("button", name="Create account").click()  # empty: errors on the fields
    ada.wait_for_selector(".error")
    ada.check("register-errors")
    ada.get_by_label("Name").fill("Ada Lovelace")
    ada.get_by_label("Email").fill("ada@example.com")
    ada.get_by_label("Password").fill("analytical-engine-1843")
    ada.get_by_role("button", name="Create account").click()
    ada.wait_for_url("**/clubs/")
    assert "Welcome to Bookwork, Ada Lovelace!" in ada.inner_text("main")
    ada.check("discover")
    ada.get_by_role("textbox", name="Tag").fill("classics")
    ada.get_by_role("button", name="Search").click()
    ada.wait_for_url("**/clubs/?*tag=classics*")
    assert "Poetry at Noon" not in ada.inner_text("main")
    ada.get_by_role("button", name="Join Tuesday Readers").click()
    ada.wait_for_url(f"**/clubs/{club.pk}/")
    assert "You joined Tuesday Readers." in ada.inner_text("main")
    ada.check("club")
    ada.get_by_role("link", name="Middlemarch, part one").first.click()
    ada.wait_for_url(f"**/meetings/{event.pk}/")
    ada.get_by_role("button", name="Coming").click()
    ada.wait_for_selector("text=you are number 1 on the waitlist")
    assert "Waitlist #1" in ada.inner_text("#live")
    # htmx swapped the panel in place: the outcome is announced, the focus stays on the button.
    assert "number 1 on the waitlist" in ada.inner_text("#rsvp-announce")
    assert ada.evaluate("document.activeElement.id") == "rsvp-available"
    ada.check("meeting-waitlisted")

    ben_tab = open_tab()
    sign_in(ben_tab, ben)
    ben_tab.get_by_role("link", name="Middlemarch, part one").first.click()
    ben_tab.wait_for_url(f"**/meetings/{event.pk}/")
    ben_tab.get_by_role("button", name="Withdraw my answer").click()
    ben_tab.wait_for_selector("text=Your answer is withdrawn.")

    ada.reload()
    assert "Coming · seat" in ada.inner_text("#live")
    assert Event.objects.get(pk=event.pk).attendees == [ada_id(event)]
    ada.get_by_role("link", name="Home").click()
    ada.wait_for_selector("text=Your upcoming meetings")
    ada.check("home")


def ada_id(event):
    from accounts.models import User

    return User.objects.get(email="ada@example.com").pk


def test_organizer_creates_a_meeting_and_sees_rsvps_arrive(open_tab):
    owner = factories.UserFactory(name="Olivia Owner")
    club = factories.ClubFactory(name="Tuesday Readers", owner=owner, timezone="Europe/London")
    readers = [
        factories.ClubMemberFactory(club=club, user=factories.UserFactory(name=name)).user
        for name in ("Chloe Zhao", "Dev Patel", "Ema Kovac")
    ]
    tab = open_tab()
    sign_in(tab, owner)
    tab.goto(f"/clubs/{club.pk}/")
    tab.get_by_role("link", name="New meeting").click()
    tab.wait_for_url("**/meetings/new/")
    tab.check("meeting-new")
    tab.get_by_label("Title").fill("Planning the autumn list")
    tab.get_by_label("Date").fill((timezone.localdate() + dt.timedelta(days=14)).isoformat())
    tab.get_by_label("Start time").fill("19:30")
    tab.get_by_label("Place").fill("The Crown, back room")
    tab.get_by_label("Seats").fill("2")
    tab.get_by_role("button", name="Create meeting").click()
    tab.wait_for_selector("text=is scheduled")
    event = Event.objects.get(club=club)
    assert "19:30" in tab.inner_text("main") and "Europe/London" in tab.inner_text("main")

    availability_set(event_id=event.pk, user=readers[0], status="available")
    availability_set(event_id=event.pk, user=readers[1], status="maybe")
    availability_set(event_id=event.pk, user=readers[2], status="available")
    tab.reload()
    live = tab.inner_text("#live")
    assert "Chloe Zhao" in live and "Dev Patel" in live and "Ema Kovac" in live
    assert "2 of 2 seats taken · 1 maybe" in live
    tab.get_by_label("New item").fill("Snacks")
    tab.get_by_role("button", name="Add item").click()
    tab.wait_for_selector("text=Added “Snacks”.")
    tab.check("meeting-organizer")


def test_sign_out_everywhere(open_tab):
    membership = factories.ClubMemberFactory(user=factories.UserFactory(name="Fay Weldon"))
    member = membership.user
    event = factories.EventFactory(club=membership.club, title="Orlando, chapters 1-3")
    notifications_create(
        kind=kinds.EVENT_CREATED,
        user_ids=[member.pk],
        context={"what": "discussion", "club": membership.club.name, "event": event.title, "when": "Thu 10 Dec",
                 "location": event.location},
        club=membership.club,
        event=event,
    )  # fmt: skip
    laptop, phone = open_tab(), open_tab()
    sign_in(laptop, member)
    sign_in(phone, member)
    laptop.get_by_role("link", name="Notifications").click()
    laptop.wait_for_url("**/notifications/")
    assert "New discussion in" in laptop.inner_text("main")
    laptop.check("notifications")
    laptop.get_by_role("link", name="Profile").click()
    laptop.wait_for_url("**/profile/")
    laptop.check("profile")
    laptop.get_by_role("button", name="Sign out everywhere").click()
    laptop.wait_for_url("**/signin/")
    assert "You are signed out everywhere." in laptop.inner_text("main")
    phone.reload()
    assert urlsplit(phone.url).path == "/signin/"
    phone.goto("/no/such/page/")
    phone.check("not-found")


def test_member_keeps_a_reading_entry_and_votes_in_a_ranked_poll(open_tab):
    """4. A member opens the club's books and polls, tracks the current book, and ranks the
    options of a poll; the results show once they have voted."""
    from books.services import book_start

    membership = factories.ClubMemberFactory(user=factories.UserFactory(name="Zadie Smith"))
    club = membership.club
    book_start(club=club, book=factories.BookFactory(club=club, title="Middlemarch", author="George Eliot"))
    factories.BookFactory(club=club, title="Kindred", author="Octavia E. Butler")
    poll = factories.PollFactory(
        club=club, question="Which one next?", ranked=True, multiple=True, results="after_vote",
        options=["Kindred", "Beloved", "Orlando"],
    )  # fmt: skip
    tab = open_tab()
    sign_in(tab, membership.user)
    tab.goto(f"/clubs/{club.pk}/")
    tab.get_by_role("link", name="Books and polls").click()
    tab.wait_for_url("**/books/")
    tab.get_by_text("Track my reading").click()
    tab.get_by_label("My reading").select_option("reading")
    tab.get_by_label("Progress (%)").fill("40")
    tab.get_by_role("button", name="Save").click()
    tab.wait_for_url("**/books/")
    assert "Saved: Reading Middlemarch." in tab.inner_text("main")
    tab.check("books")
    tab.get_by_role("link", name="Which one next?").click()
    tab.wait_for_url(f"**/polls/{poll.pk}/")
    tab.get_by_label("Choice 1").select_option(label="Orlando")
    tab.get_by_label("Choice 2").select_option(label="Kindred")
    tab.get_by_role("button", name="Vote").click()
    tab.wait_for_url(f"**/polls/{poll.pk}/")
    main = tab.inner_text("main")
    assert "Your vote is in." in main and "Your vote: Orlando, then Kindred." in main
    tab.check("poll")
