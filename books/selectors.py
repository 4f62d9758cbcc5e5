"""Reads of the reading list and of reading entries. The views resolve the club first through
`clubs.selectors.club_get_visible_with_access` (404 for a club the caller may not see); these
reads are then scoped to that club, so a book of another club is a 404 too."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from books.models import Book, ReadingEntry
from clubs.models import Club
from clubs.selectors import parse_uuid


def books_of_club(*, club: Club, status: str | None = None) -> QuerySet[Book]:
    """The club's books, oldest first (id tie-break), optionally of one status (one query per page)."""
    books = Book.objects.filter(club=club).order_by("created_at", "id")
    return books.filter(status=status) if status else books


def book_get(*, club: Club, book_id) -> Book:
    """The book `book_id` of THIS club; Http404 otherwise (or for a malformed id)."""
    book = Book.objects.filter(club=club, pk=parse_uuid(book_id)).first()
    if book is None:
        raise Http404
    return book


def reading_entries_of_book(*, book: Book) -> QuerySet[ReadingEntry]:
    """The members' entries of `book`, most recently updated first, with their users (one query)."""
    return ReadingEntry.objects.filter(book=book).select_related("user").order_by("-updated_at", "id")


def reading_entries_of_member(*, club: Club, user) -> dict:
    """The caller's entries of the club's books, by book id (one query)."""
    return {entry.book_id: entry for entry in ReadingEntry.objects.filter(book__club=club, user_id=user.pk)}


def reading_entry_of(*, book: Book, user) -> ReadingEntry:
    """The caller's entry of `book`; Http404 when they have none."""
    entry = ReadingEntry.objects.filter(book=book, user_id=user.pk).select_related("user").first()
    if entry is None:
        raise Http404
    return entry
