"""Conditional GETs of a club's reading list (books, a book, its reading entries, the caller's
entry) and of its polls (the list, a poll): the club's `club.books` and `club.polls` scopes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils.http import parse_http_date

from books.models import Book, ReadingEntry
from books.polls.models import Poll, PollOption
from clubs.models import ClubRole
from tests.conditional_helpers import changed, refused, tag_of, unchanged
from tests.conftest import client_for
from tests.factories import (
    BallotFactory,
    BookFactory,
    ClubFactory,
    ClubMemberFactory,
    PollFactory,
    ReadingEntryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _book_paths(book) -> list[str]:
    base = f"/api/v1/clubs/{book.club_id}/books/"
    return [
        base,
        f"{base}?status=planned",
        f"{base}{book.pk}/",
        f"{base}{book.pk}/reading/",
        f"{base}{book.pk}/reading/me/",
    ]


@pytest.mark.parametrize("which", range(5))
def test_the_reading_list_changes_with_the_clubs_books_and_entries_only(which):
    member = ClubMemberFactory(role=ClubRole.MEMBER)
    book = BookFactory(club=member.club)
    entry = ReadingEntryFactory(book=book, user=member.user)
    client = client_for(member.user)
    path = _book_paths(book)[which]
    tag = tag_of(client, path)
    other = BookFactory()  # another club's
    ReadingEntryFactory(book=other)
    unchanged(client, path, tag)
    ReadingEntry.objects.filter(pk=entry.pk).update(progress_percent=55)
    tag = changed(client, path, tag)["ETag"]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE books SET title = 'plain SQL' WHERE id = %s", [book.pk])
    tag = changed(client, path, tag)["ETag"]
    ReadingEntryFactory(book=BookFactory(club=member.club), user=UserFactory())  # a new book, a new entry
    changed(client, path, tag)


def test_a_book_has_a_last_modified_and_a_deleted_one_stays_404():
    member = ClubMemberFactory()
    book = BookFactory(club=member.club)
    client = client_for(member.user)
    path = _book_paths(book)[2]
    response = client.get(path)
    assert parse_http_date(response["Last-Modified"]) == int(book.updated_at.timestamp())
    Book.objects.filter(pk=book.pk).delete()
    refused(client, path, response["ETag"], 404)
    refused(client_for(UserFactory()), _book_paths(BookFactory(club=ClubFactory(is_public=False)))[0], "*", 404)


def test_the_callers_entry_changes_with_their_name():
    member = ClubMemberFactory()
    book = BookFactory(club=member.club)
    ReadingEntryFactory(book=book, user=member.user)
    client = client_for(member.user)
    path = _book_paths(book)[4]
    tag = tag_of(client, path)
    assert client.patch("/api/v1/auth/me/", {"name": "Reader"}, format="json").status_code == 200
    assert changed(client, path, tag).json()["user"]["name"] == "Reader"


@pytest.mark.parametrize("detail", [False, True])
def test_polls_change_with_votes_of_anyone_in_the_club_and_not_elsewhere(detail):
    poll = PollFactory()
    member = ClubMemberFactory(club=poll.club, role=ClubRole.MEMBER)
    client = client_for(member.user)
    path = f"/api/v1/polls/{poll.pk}/" if detail else f"/api/v1/clubs/{poll.club_id}/polls/"
    tag = tag_of(client, path)
    BallotFactory(poll=PollFactory())  # another club's poll and vote
    unchanged(client, path, tag)
    BallotFactory(poll=poll, user=ClubMemberFactory(club=poll.club).user)
    tag = changed(client, path, tag)["ETag"]
    option = poll.options.order_by("position").first()
    assert client.put(f"/api/v1/polls/{poll.pk}/vote/", {"options": [option.pk]}, format="json").status_code == 200
    tag = changed(client, path, tag)["ETag"]
    PollOption.objects.filter(pk=option.pk).update(label="Renamed")
    tag = changed(client, path, tag)["ETag"]
    Poll.objects.filter(pk=poll.pk).update(question="Plain update?")
    changed(client, path, tag)


def test_a_poll_has_a_last_modified_and_stays_404_when_gone_or_hidden():
    poll = PollFactory(club=ClubFactory(is_public=False))
    client = client_for(poll.club.owner)
    path = f"/api/v1/polls/{poll.pk}/"
    response = client.get(path)
    assert parse_http_date(response["Last-Modified"]) == int(poll.updated_at.timestamp())
    refused(client_for(UserFactory()), path, response["ETag"], 404)
    Poll.objects.filter(pk=poll.pk).delete()
    refused(client, path, response["ETag"], 404)
