"""Books under real concurrency: threads race through the HTTP API against PostgreSQL (each with
its own connection). One current book whatever the number of starts; `books_read` moves once
however many identical finishes arrive at once; one ballot per voter."""

from __future__ import annotations

from collections import Counter

import pytest

from books.models import Book, BookStatus, ReadingEntry
from books.polls.models import Ballot
from clubs.models import Club, ClubMember, ClubRole
from tests.clubs.test_concurrency import race
from tests.conftest import client_for
from tests.factories import BookFactory, ClubFactory, ClubMemberFactory, PollFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_twelve_concurrent_starts_leave_one_current_book():
    club = ClubFactory()
    moderators = [ClubMemberFactory(club=club, role=ClubRole.MODERATOR).user for _ in range(3)]
    books = [BookFactory(club=club, title=f"Book {i}") for i in range(12)]
    clients = [client_for(user) for user in [club.owner, *moderators]]
    pairs = [(clients[i % len(clients)], book) for i, book in enumerate(books)]
    calls = [lambda c=c, b=b: c.post(f"/api/v1/clubs/{club.pk}/books/{b.pk}/start/") for c, b in pairs]

    responses = race(calls)

    assert Counter(r.status_code for r in responses) == Counter({200: 12})
    current = list(Book.objects.filter(club=club, status=BookStatus.CURRENT))
    assert len(current) == 1
    assert Club.objects.get(pk=club.pk).current_book == current[0].title
    assert Book.objects.filter(club=club, status=BookStatus.FINISHED).count() == 11


def test_ten_identical_finishes_at_once_count_once():
    book = BookFactory()
    member = ClubMemberFactory(club=book.club, books_read=4)
    client = client_for(member.user)
    url = f"/api/v1/clubs/{book.club_id}/books/{book.pk}/reading/me/"

    responses = race([lambda: client.put(url, {"status": "finished"}, format="json") for _ in range(10)])

    assert Counter(r.status_code for r in responses) == Counter({200: 10})
    assert ClubMember.objects.get(pk=member.pk).books_read == 5
    assert ReadingEntry.objects.filter(book=book).count() == 1


def test_concurrent_finishes_and_unfinishes_leave_books_read_true():
    book = BookFactory()
    member = ClubMemberFactory(club=book.club, books_read=0)
    client = client_for(member.user)
    url = f"/api/v1/clubs/{book.club_id}/books/{book.pk}/reading/me/"
    bodies = [{"status": "finished"}, {"status": "reading"}] * 8

    race([lambda body=body: client.put(url, body, format="json") for body in bodies])

    final = ReadingEntry.objects.get(book=book).status
    assert ClubMember.objects.get(pk=member.pk).books_read == (1 if final == "finished" else 0)


def test_many_members_finishing_at_once_each_count_once():
    book = BookFactory()
    members = [ClubMemberFactory(club=book.club, user=UserFactory()) for _ in range(8)]
    url = f"/api/v1/clubs/{book.club_id}/books/{book.pk}/reading/me/"
    clients = [client_for(m.user) for m in members for _ in range(2)]
    calls = [lambda c=c: c.put(url, {"status": "finished"}, format="json") for c in clients]

    race(calls)

    assert (
        list(ClubMember.objects.filter(pk__in=[m.pk for m in members]).values_list("books_read", flat=True)) == [1] * 8
    )


def test_concurrent_votes_of_one_member_leave_one_ballot():
    poll = PollFactory()
    member = ClubMemberFactory(club=poll.club)
    client = client_for(member.user)
    options = [str(pk) for pk in poll.options.order_by("position").values_list("pk", flat=True)]
    calls = [
        lambda o=options[i % 3]: client.put(f"/api/v1/polls/{poll.pk}/vote/", {"options": [o]}, format="json")
        for i in range(12)
    ]

    responses = race(calls)

    assert Counter(r.status_code for r in responses) == Counter({200: 12})
    assert Ballot.objects.filter(poll=poll).count() == 1
