"""Staff pages of books, reading entries and polls: they answer, stay flat, and write through the
services (start finishes the previous book; closing decides the winner and notifies)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from books.models import Book, BookStatus
from books.polls.models import PollStatus
from clubs.models import Club
from notifications.models import Notification
from tests.factories import DEFAULT_PASSWORD, BallotFactory, BookFactory, PollFactory, ReadingEntryFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "books_book": BookFactory,
    "books_readingentry": ReadingEntryFactory,
    "polls_poll": PollFactory,
}


@pytest.fixture
def staff_client(client):
    UserFactory(is_staff=True, is_superuser=True, email="staff@example.com")
    assert client.login(username="staff@example.com", password=DEFAULT_PASSWORD)
    return client


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_answer_and_the_changelist_stays_flat(staff_client, name):
    obj = PAGES[name]()
    assert staff_client.get(reverse(f"admin:{name}_change", args=[obj.pk])).status_code == 200
    url = reverse(f"admin:{name}_changelist")
    staff_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url, {"q": "a"}).status_code == 200
    PAGES[name].create_batch(15)
    with CaptureQueriesContext(connection) as many:
        assert staff_client.get(url, {"q": "a"}).status_code == 200
    assert len(many) == len(few)


def test_adding_a_book_validates_the_isbn_and_the_start_action_finishes_the_previous(staff_client):
    club = BookFactory(title="Emma", status=BookStatus.CURRENT).club
    Club.objects.filter(pk=club.pk).update(current_book="Emma")
    add = reverse("admin:books_book_add")
    bad = staff_client.post(add, {"club": club.pk, "title": "Kindred", "isbn": "0141439547"})
    assert bad.status_code == 200 and not Book.objects.filter(title="Kindred").exists()
    staff_client.post(add, {"club": club.pk, "title": "Kindred", "author": "Butler", "isbn": "0441172717"})
    kindred = Book.objects.get(title="Kindred")
    assert (kindred.isbn, kindred.status) == ("9780441172719", BookStatus.PLANNED)
    staff_client.post(
        reverse("admin:books_book_changelist"), {"action": "start_books", "_selected_action": [kindred.pk]}
    )
    assert Book.objects.get(title="Emma").status == BookStatus.FINISHED
    assert Book.objects.get(pk=kindred.pk).status == BookStatus.CURRENT
    assert Club.objects.get(pk=club.pk).current_book == "Kindred"


def test_the_close_action_decides_the_winner_and_notifies(staff_client):
    poll = PollFactory()
    second = poll.options.order_by("position")[1]
    BallotFactory(poll=poll, choices=[second.pk])
    staff_client.post(reverse("admin:polls_poll_changelist"), {"action": "close_polls", "_selected_action": [poll.pk]})
    poll.refresh_from_db()
    assert (poll.status, poll.winner_id) == (PollStatus.CLOSED, second.pk)
    assert Notification.objects.filter(kind="poll_closed").exists()


def test_setting_current_book_on_the_club_admin_page_starts_that_book(staff_client):
    club = BookFactory(title="Emma", status=BookStatus.CURRENT).club
    Club.objects.filter(pk=club.pk).update(current_book="Emma")
    club.refresh_from_db()
    change = reverse("admin:clubs_club_change", args=[club.pk])
    form = staff_client.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        current_book="Solaris",
        tags=",".join(club.tags),
        reminder_hours=",".join(str(h) for h in club.reminder_hours),
        owner=str(club.owner_id),
        **{"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
    )
    response = staff_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert dict(Book.objects.filter(club=club).values_list("title", "status")) == {
        "Emma": "finished",
        "Solaris": "current",
    }
