"""The reading list through the API: create with ISBN and cover validation, edit, delete, start;
one current book; `clubs.current_book` follows; the list's query count stays flat."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from books.models import Book, BookStatus
from clubs.models import Club
from tests.books.conftest import book_url, books_url
from tests.conftest import client_for
from tests.factories import BookFactory, ClubFactory, UserFactory

pytestmark = pytest.mark.django_db

BOOK_KEYS = [
    "id", "club", "title", "author", "isbn", "cover_url", "status", "started_on", "finished_on", "added_by",
    "created_at", "updated_at",
]  # fmt: skip


def test_create_stores_the_isbn13_and_answers_every_field():
    club = ClubFactory()
    response = client_for(club.owner).post(
        books_url(club),
        {
            "title": "Middlemarch",
            "author": "George Eliot",
            "isbn": "0-14-143954-8",
            "cover_url": "https://x.test/m.jpg",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert list(body) == BOOK_KEYS
    assert body["isbn"] == "9780141439549"
    assert body["status"] == "planned" and body["started_on"] is None
    assert body["added_by"] == str(club.owner.pk) and body["club"] == str(club.pk)
    assert Book.objects.get(pk=body["id"]).isbn == "9780141439549"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("isbn", "0141439547", "invalid_isbn"),
        ("isbn", 9780141439549, "invalid"),
        ("cover_url", "http://x.test/cover.jpg", "https_required"),
        ("cover_url", "not a url", "invalid"),
        ("title", "   ", "blank"),
    ],
)
def test_invalid_fields_are_400_on_the_field(field, value, code):
    club = ClubFactory()
    body = {"title": "Emma", field: value}
    response = client_for(club.owner).post(books_url(club), body, format="json")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == (field, code)
    assert not Book.objects.filter(club=club).exists()


def test_the_database_refuses_a_second_current_book_and_a_bad_isbn():
    club = ClubFactory()
    BookFactory(club=club, status=BookStatus.CURRENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookFactory(club=club, status=BookStatus.CURRENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        BookFactory(club=club, isbn="0141439548")
    with pytest.raises(IntegrityError), transaction.atomic():
        BookFactory(club=club, cover_url="http://x.test/c.jpg")


def test_start_finishes_the_previous_book_today_in_the_clubs_zone(monkeypatch):
    club = ClubFactory(timezone="Pacific/Kiritimati")  # UTC+14: its "today" is tomorrow in UTC at 12:00
    first, second = BookFactory(club=club, title="Emma"), BookFactory(club=club, title="Beloved")
    client = client_for(club.owner)
    noon_utc = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: noon_utc)
    local_today = noon_utc.astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    assert local_today == dt.date(2026, 3, 2)

    started = client.post(f"{book_url(first)}start/").json()
    assert (started["status"], started["started_on"]) == ("current", "2026-03-02")
    assert Club.objects.get(pk=club.pk).current_book == "Emma"

    second_body = client.post(f"{book_url(second)}start/").json()
    assert second_body["status"] == "current"
    first.refresh_from_db()
    assert (first.status, first.finished_on) == (BookStatus.FINISHED, local_today)
    assert Club.objects.get(pk=club.pk).current_book == "Beloved"
    assert Book.objects.filter(club=club, status=BookStatus.CURRENT).count() == 1
    # Starting the current book again changes nothing.
    assert client.post(f"{book_url(second)}start/").json() == second_body


def test_renaming_finishing_and_deleting_the_current_book_keep_current_book_true():
    club = ClubFactory()
    book = BookFactory(club=club, title="Emma")
    client = client_for(club.owner)
    client.post(f"{book_url(book)}start/")
    assert client.patch(book_url(book), {"title": "Emma (annotated)"}, format="json").status_code == 200
    assert Club.objects.get(pk=club.pk).current_book == "Emma (annotated)"
    response = client.patch(book_url(book), {"status": "finished"}, format="json")
    assert response.json()["status"] == "finished" and response.json()["finished_on"] is not None
    assert Club.objects.get(pk=club.pk).current_book is None
    client.post(f"{book_url(book)}start/")
    assert Club.objects.get(pk=club.pk).current_book == "Emma (annotated)"
    assert client.delete(book_url(book)).status_code == 204
    assert Club.objects.get(pk=club.pk).current_book is None


def test_patch_cannot_make_a_book_current():
    book = BookFactory()
    response = client_for(book.club.owner).patch(book_url(book), {"status": "current"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "status"
    book.refresh_from_db()
    assert book.status == BookStatus.PLANNED


def test_a_club_write_of_current_book_goes_through_the_reading_list():
    owner = UserFactory()
    client = client_for(owner)
    created = client.post("/api/v1/clubs/", {"name": "Readers", "current_book": "Kindred"}, format="json").json()
    club = Club.objects.get(pk=created["id"])
    assert list(Book.objects.filter(club=club).values_list("title", "status")) == [("Kindred", "current")]
    client.patch(f"/api/v1/clubs/{club.pk}/", {"current_book": "Solaris"}, format="json")
    assert dict(Book.objects.filter(club=club).values_list("title", "status")) == {
        "Kindred": "finished",
        "Solaris": "current",
    }
    client.patch(f"/api/v1/clubs/{club.pk}/", {"current_book": None}, format="json")
    assert not Book.objects.filter(club=club, status="current").exists()
    assert Club.objects.get(pk=club.pk).current_book is None


def test_list_filters_by_status_and_a_book_of_another_club_is_404():
    club, other = ClubFactory(), ClubFactory()
    planned, finished = BookFactory(club=club), BookFactory(club=club, status=BookStatus.FINISHED)
    foreign = BookFactory(club=other)
    client = client_for(club.owner)
    assert [b["id"] for b in client.get(books_url(club)).json()["results"]] == [str(planned.pk), str(finished.pk)]
    assert [b["id"] for b in client.get(books_url(club), {"status": "finished"}).json()["results"]] == [
        str(finished.pk)
    ]
    assert client.get(books_url(club), {"status": "lost"}).status_code == 400
    assert client.get(f"{books_url(club)}{foreign.pk}/").status_code == 404
    assert client.get(f"{books_url(club)}not-a-uuid/").status_code == 404


def test_the_list_query_count_does_not_grow_with_books(django_assert_max_num_queries):
    club = ClubFactory()
    client = client_for(club.owner)
    BookFactory.create_batch(2, club=club)
    client.get(books_url(club))
    with django_assert_max_num_queries(10) as few:  # auth, throttle and history context included
        assert client.get(books_url(club)).status_code == 200
    few_count = len(few)
    BookFactory.create_batch(30, club=club)
    with django_assert_max_num_queries(few_count + 1):  # + the COUNT of a second page
        assert len(client.get(books_url(club)).json()["results"]) == 20


def test_the_migration_turns_each_clubs_current_book_into_its_current_book():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("books.migrations.0001_initial")
    legacy, blank, none = ClubFactory(), ClubFactory(), ClubFactory()
    Club.objects.filter(pk=legacy.pk).update(current_book="Stoner")
    Club.objects.filter(pk=blank.pk).update(current_book="")
    migration.current_books_from_clubs(apps, None)
    assert list(Book.objects.filter(club=legacy).values_list("title", "status")) == [("Stoner", "current")]
    assert not Book.objects.filter(club__in=[blank, none]).exists()
    assert Club.objects.get(pk=blank.pk).current_book is None
