"""The books-and-polls pages: the reading list, the member's reading entry, a poll's ballot and
results, closing it. They follow the API's role table (tests/books/test_permission_matrix.py):
a page the role may not see is a 404 page, an action it may not take a redirect with a message
and no change."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from books.models import Book, BookStatus, ReadingEntry
from books.polls.models import Ballot, PollResults, PollStatus
from books.services import book_start
from tests.books.test_permission_matrix import expected as api_expected
from tests.clubs.conftest import ROLES, build_world
from tests.factories import BallotFactory, BookFactory, ClubMemberFactory, PollFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _errors(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


# The page action -> the API action whose status decides it (2xx: takes effect).
ACTIONS = {
    "books_page": "books_list",
    "book_add": "book_create",
    "book_start": "book_start",
    "reading": "reading_put",
    "poll_page": "poll_get",
    "poll_vote": "poll_vote",
    "poll_close": "poll_close",
}


def perform(action: str, client: Client, world, book, poll):
    """Do `action`; return (response, whether it took effect)."""
    base = f"/clubs/{world.club.pk}/books/"
    user = world.users[client.role]
    if action == "books_page":
        response = client.get(base)
        return response, response.status_code == 200 and book.title in response.text
    if action == "book_add":
        response = client.post(f"{base}add/", {"title": "Kindred", "author": "Octavia E. Butler"})
        return response, Book.objects.filter(club=world.club, title="Kindred").exists()
    if action == "book_start":
        response = client.post(f"{base}{book.pk}/start/")
        return response, Book.objects.get(pk=book.pk).status == BookStatus.CURRENT
    if action == "reading":
        prefix = str(book.pk)
        response = client.post(f"{base}{book.pk}/reading/", {f"{prefix}-status": "reading", f"{prefix}-rating": "4"})
        return response, ReadingEntry.objects.filter(book=book, user=user, rating=4).exists()
    if action == "poll_page":
        response = client.get(f"/polls/{poll.pk}/")
        return response, response.status_code == 200 and poll.question in response.text
    if action == "poll_vote":
        option = poll.options.order_by("position").first()
        response = client.post(f"/polls/{poll.pk}/vote/", {"options": str(option.pk)})
        return response, Ballot.objects.filter(poll=poll, user=user, choices=[option.pk]).exists()
    if action == "poll_close":
        response = client.post(f"/polls/{poll.pk}/close/")
        poll.refresh_from_db()
        return response, poll.status == PollStatus.CLOSED
    raise AssertionError(action)


@pytest.mark.parametrize("is_public", [True, False], ids=["public", "private"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_matrix(action, role, is_public):
    world = build_world(is_public=is_public)
    book = BookFactory(club=world.club, title="Middlemarch")
    poll = PollFactory(club=world.club, question="Where do we meet?")
    client = signed_in(world.users[role])
    client.role = role
    response, took_effect = perform(action, client, world, book, poll)
    want = api_expected(ACTIONS[action], role, is_public=is_public)
    assert response.status_code < 500
    if want == 404:
        assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
        assert not took_effect
    elif want < 300:
        assert response.status_code in (200, 302), response.status_code
        assert took_effect, (action, role, _errors(response) if response.status_code == 302 else "")
    else:
        assert not took_effect
        assert response.status_code == 302
        assert _errors(response)


def test_the_reading_list_groups_books_and_offers_only_allowed_buttons():
    world = build_world(is_public=True)
    club = world.club
    now = BookFactory(club=club, title="Middlemarch")
    book_start(club=club, book=now)
    BookFactory(club=club, title="Kindred")
    BookFactory(club=club, title="Beloved", status=BookStatus.FINISHED)

    owner_page = signed_in(world.users["owner"]).get(f"/clubs/{club.pk}/books/").text
    member_page = signed_in(world.users["member"]).get(f"/clubs/{club.pk}/books/").text
    outsider_page = signed_in(world.users["outsider"]).get(f"/clubs/{club.pk}/books/").text
    for page in (owner_page, member_page, outsider_page):
        assert page.index("Reading now") < page.index("Middlemarch") < page.index("Up next") < page.index("Kindred")
        assert page.index("Read together") < page.index("Beloved")
    assert "Start reading" in owner_page and "Add a book" in owner_page
    assert "Start reading" not in member_page and "Add a book" not in member_page
    assert "Track my reading" in member_page and "Track my reading" not in outsider_page
    # The club page links here.
    assert f"/clubs/{club.pk}/books/" in signed_in(world.users["member"]).get(f"/clubs/{club.pk}/").text


def test_an_invalid_isbn_or_rating_is_refused_with_the_apis_words_and_changes_nothing():
    world = build_world(is_public=True)
    client = signed_in(world.users["owner"])
    response = client.post(f"/clubs/{world.club.pk}/books/add/", {"title": "Kindred", "isbn": "9780000000000"})
    assert response.status_code == 302 and any("ISBN" in text or "isbn" in text for text in _errors(response))
    assert not Book.objects.filter(title="Kindred").exists()

    book = BookFactory(club=world.club)
    member = signed_in(world.users["member"])
    prefix = str(book.pk)
    response = member.post(f"/clubs/{world.club.pk}/books/{book.pk}/reading/", {f"{prefix}-status": "sleeping"})
    assert response.status_code == 302 and _errors(response)
    assert not ReadingEntry.objects.filter(book=book).exists()


def test_a_ranked_ballot_keeps_the_order_of_the_choices_and_results_follow_the_polls_rule():
    world = build_world(is_public=True)
    poll = PollFactory(
        club=world.club, ranked=True, multiple=True, results=PollResults.AFTER_VOTE, options=["A", "B", "C"]
    )
    a, b, c = poll.options.order_by("position").values_list("pk", flat=True)
    member = signed_in(world.users["member"])
    before = member.get(f"/polls/{poll.pk}/").text
    assert "Results are shown once you have voted" in before and "first choice" not in before

    response = member.post(f"/polls/{poll.pk}/vote/", {"rank-1": str(c), "rank-2": "", "rank-3": str(a)})
    assert response.status_code == 302 and not _errors(response)
    assert Ballot.objects.get(poll=poll, user=world.users["member"]).choices == [c, a]
    after = member.get(f"/polls/{poll.pk}/").text
    assert "Your vote: C, then A." in after and "1 first choice" in after

    # The same option twice is refused in the API's words; the ballot stays.
    response = member.post(f"/polls/{poll.pk}/vote/", {"rank-1": str(b), "rank-2": str(b)})
    assert _errors(response)
    assert Ballot.objects.get(poll=poll, user=world.users["member"]).choices == [c, a]


def test_closing_a_book_poll_can_start_the_winning_book():
    world = build_world(is_public=True)
    book = BookFactory(club=world.club, title="Kindred")
    poll = PollFactory(club=world.club, kind="book", options=["Kindred"])
    poll.options.update(book=book)
    option = poll.options.get()
    BallotFactory(poll=poll, user=world.users["member"], choices=[option.pk])

    response = signed_in(world.users["owner"]).post(f"/polls/{poll.pk}/close/", {"apply": "on"})
    assert response.status_code == 302 and not _errors(response)
    assert Book.objects.get(pk=book.pk).status == BookStatus.CURRENT
    page = signed_in(world.users["member"]).get(f"/polls/{poll.pk}/").text
    assert "Closed" in page and "· chosen" in page and "Close now" not in page and "Change my vote" not in page


def test_a_poll_of_a_hidden_club_is_a_404_page():
    poll = PollFactory(club=ClubMemberFactory(club__is_public=False).club)
    assert signed_in(UserFactory()).get(f"/polls/{poll.pk}/").status_code == 404
    assert signed_in(UserFactory()).get("/polls/not-a-uuid/").status_code == 404
