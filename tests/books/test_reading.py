"""Reading entries: PUT replaces the caller's entry; `books_read` moves by one exactly when an
entry becomes or stops being `finished` (status change, delete, the book's deletion)."""

from __future__ import annotations

import pytest

from books.models import ReadingEntry
from clubs.models import ClubMember, ClubRole
from tests.books.conftest import book_url
from tests.conftest import client_for
from tests.factories import BookFactory, ClubMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def books_read(member) -> int:
    return ClubMember.objects.get(pk=member.pk).books_read


@pytest.fixture
def reader():
    book = BookFactory()
    member = ClubMemberFactory(club=book.club, role=ClubRole.MEMBER, books_read=2)
    return book, member, client_for(member.user)


def test_put_creates_and_replaces_the_entry_and_get_reads_it(reader):
    book, member, client = reader
    url = f"{book_url(book)}reading/me/"
    assert client.get(url).status_code == 404
    response = client.put(
        url, {"status": "reading", "progress_percent": 40, "rating": 4, "review": "Slow"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == ["user", "status", "progress_percent", "rating", "review", "updated_at"]
    assert body["user"] == {"id": str(member.user.pk), "name": member.user.name, "avatar": None}
    assert (body["progress_percent"], body["rating"], body["review"]) == (40, 4, "Slow")
    # PUT replaces: what is not sent takes its default.
    replaced = client.put(url, {"status": "abandoned"}, format="json").json()
    assert (replaced["status"], replaced["progress_percent"], replaced["rating"], replaced["review"]) == (
        "abandoned", 0, None, "",
    )  # fmt: skip
    assert client.get(url).json() == replaced
    assert ReadingEntry.objects.filter(book=book).count() == 1


def test_finishing_counts_once_and_unfinishing_takes_it_back(reader):
    book, member, client = reader
    url = f"{book_url(book)}reading/me/"
    client.put(url, {"status": "reading"}, format="json")
    assert books_read(member) == 2
    finished = client.put(url, {"status": "finished"}, format="json").json()
    assert finished["progress_percent"] == 100
    assert books_read(member) == 3
    client.put(url, {"status": "finished", "rating": 5}, format="json")  # still finished: no change
    assert books_read(member) == 3
    client.put(url, {"status": "reading", "progress_percent": 80}, format="json")
    assert books_read(member) == 2
    client.put(url, {"status": "finished"}, format="json")
    assert books_read(member) == 3
    assert client.delete(url).status_code == 204
    assert books_read(member) == 2
    assert client.delete(url).status_code == 404


def test_a_decrement_stops_at_zero_after_an_admin_correction(reader):
    book, member, client = reader
    url = f"{book_url(book)}reading/me/"
    client.put(url, {"status": "finished"}, format="json")
    ClubMember.objects.filter(pk=member.pk).update(books_read=0)  # corrected by hand
    client.put(url, {"status": "reading"}, format="json")
    assert books_read(member) == 0


def test_deleting_a_book_takes_back_its_finishes():
    book = BookFactory()
    finisher, reader = ClubMemberFactory(club=book.club), ClubMemberFactory(club=book.club)
    client_for(finisher.user).put(f"{book_url(book)}reading/me/", {"status": "finished"}, format="json")
    client_for(reader.user).put(f"{book_url(book)}reading/me/", {"status": "reading"}, format="json")
    assert (books_read(finisher), books_read(reader)) == (1, 0)
    assert client_for(book.club.owner).delete(book_url(book)).status_code == 204
    assert (books_read(finisher), books_read(reader)) == (0, 0)
    assert not ReadingEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"status": "skimmed"}, "status"),
        ({"status": "reading", "progress_percent": 101}, "progress_percent"),
        ({"status": "reading", "progress_percent": -1}, "progress_percent"),
        ({"status": "finished", "rating": 0}, "rating"),
        ({"status": "finished", "rating": 6}, "rating"),
        ({"progress_percent": 5}, "status"),
    ],
)
def test_invalid_entries_are_400(reader, body, attr):
    book, member, client = reader
    response = client.put(f"{book_url(book)}reading/me/", body, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == attr
    assert books_read(member) == 2


def test_the_reading_list_of_a_book_shows_every_member_and_stays_flat(django_assert_max_num_queries):
    book = BookFactory()
    members = [ClubMemberFactory(club=book.club) for _ in range(3)]
    for member in members:
        client_for(member.user).put(f"{book_url(book)}reading/me/", {"status": "reading"}, format="json")
    viewer = client_for(book.club.owner)
    url = f"{book_url(book)}reading/"
    viewer.get(url)
    with django_assert_max_num_queries(12) as few:
        assert viewer.get(url).json()["count"] == 3
    few_count = len(few)  # now: the next request clears the connection's query log
    for _ in range(15):
        member = ClubMemberFactory(club=book.club, user=UserFactory())
        client_for(member.user).put(f"{book_url(book)}reading/me/", {"status": "finished"}, format="json")
    with django_assert_max_num_queries(few_count):
        assert len(viewer.get(url).json()["results"]) == 18
