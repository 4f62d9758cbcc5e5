"""Writes of the reading list and of reading entries. Every function decides (permissions through
`ClubAccess`, asked after the lock it takes) and writes inside one transaction.

- **One current book per club.** `book_start` is THE way a book becomes current (the API's
  start, a poll closed with `apply`, a club's `current_book` set through the clubs API or admin
  all call it). It runs under the club lock (`clubs.services.club_lock`): it finishes the
  previous current book (`finished_on` today in the club's zone, core/time.py), makes this one
  current and sets `clubs.current_book` to its title. The partial unique index
  `books_one_current_per_club` backs it; every other change of a book's status or title also
  runs under the club lock and keeps `current_book` true.
- **books_read.** A reading entry is written under the lock of the member's membership row
  (`core.locks`: membership first): the old status is read under the lock, the new one written,
  and `club_members.books_read` moves by +1 when the entry becomes `finished` and by -1 when it
  stops being so (a change of status, the entry's deletion, or the book's). Ten identical PUTs at
  once therefore count once. A decrement never takes it below 0 (a club admin may have corrected
  it by hand in between).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from books.models import Book, BookStatus, ReadingEntry, ReadingStatus
from clubs.models import Club, ClubMember
from clubs.selectors import club_access
from clubs.services import club_lock
from core.locks import Lock, lock_objects, lock_one, retry_on_conflict
from core.services import model_update
from core.time import club_zone
from webhooks.emit import webhook_emit
from webhooks.types import WebhookEventType

# Fields of a book that `book_update` may change (status only to planned or finished).
BOOK_EDITABLE_FIELDS = ("title", "author", "isbn", "cover_url", "status")


def club_today(club: Club, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the club's time zone."""
    return (now or timezone.now()).astimezone(club_zone(club)).date()


def _manage_check(*, actor, club: Club) -> None:
    if not club_access(user=actor, club=club).can_manage_books():
        raise PermissionDenied("Only club moderators and admins may change the reading list.")


def book_manage_check(*, access) -> None:
    """403 unless the caller may change the reading list (asked again under the lock by each
    write). The views ask before they read the body."""
    if not access.can_manage_books():
        raise PermissionDenied("Only club moderators and admins may change the reading list.")


def _book_of(*, club: Club, book_id) -> Book:
    book = Book.objects.filter(club=club, pk=book_id).first()
    if book is None:
        raise Http404
    return book


def _club_current_book_write(*, club: Club, title: str | None) -> None:
    if club.current_book != title:
        club.current_book = title
        club.save(update_fields=["current_book", "updated_at"])


# --- the one "start a book" ------------------------------------------------------------------
def book_start(*, club: Club, book: Book) -> Book:
    """Make `book` its club's current book; the previous current book becomes finished today (in
    the club's zone); `clubs.current_book` becomes the title. The caller holds the club lock and
    has decided who may do this (`book_start_by`, `polls.services.poll_close`, the club hook).
    Starting the current book again changes nothing."""
    if book.status != BookStatus.CURRENT:
        now = timezone.now()
        today = club_today(club, now)
        Book.objects.filter(club=club, status=BookStatus.CURRENT).update(
            status=BookStatus.FINISHED, finished_on=today, updated_at=now
        )
        book.status, book.started_on, book.finished_on = BookStatus.CURRENT, today, None
        book.save(update_fields=["status", "started_on", "finished_on", "updated_at"])
        webhook_emit(
            club_id=club.pk,
            type=WebhookEventType.BOOK_STARTED,
            data={"book": str(book.pk), "title": book.title, "started_on": today.isoformat()},
        )
    _club_current_book_write(club=club, title=book.title)
    return book


@retry_on_conflict
@transaction.atomic
def book_start_by(*, actor, club_id, book_id) -> Book:
    """`POST .../books/{id}/start/`: club moderators, admins and site admins (403), under the club lock."""
    club = club_lock(club_id=club_id)
    _manage_check(actor=actor, club=club)
    return book_start(club=club, book=_book_of(club=club, book_id=book_id))


# --- the reading list ------------------------------------------------------------------------
@transaction.atomic
def book_create(
    *, actor, club_id, title: str, author: str = "", isbn: str | None = None, cover_url: str | None = None
) -> Book:
    """Add a `planned` book to the club's list (inputs already validated: ISBN-13, https URL)."""
    club = club_lock(club_id=club_id)
    _manage_check(actor=actor, club=club)
    return Book.objects.create(
        club=club, title=title, author=author or "", isbn=isbn, cover_url=cover_url, added_by=actor
    )


@retry_on_conflict
@transaction.atomic
def book_update(*, actor, club_id, book_id, data: dict[str, Any]) -> Book:
    """Change the fields of `data` (keys of `BOOK_EDITABLE_FIELDS`). `status` may become
    `finished` (today, in the club's zone, unless already set) or `planned` (its dates cleared);
    `current` is `book_start`'s alone (400 `use_start`). Renaming or leaving the current book
    keeps `clubs.current_book` true."""
    club = club_lock(club_id=club_id)
    _manage_check(actor=actor, club=club)
    book = _book_of(club=club, book_id=book_id)
    unknown = set(data) - set(BOOK_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changes = {field: value for field, value in data.items() if getattr(book, field) != value}
    status = changes.get("status")
    if status == BookStatus.CURRENT:
        raise ValidationError(
            {"status": ValidationError("A book becomes current through its start action.", code="use_start")}
        )
    if status == BookStatus.FINISHED:
        changes["finished_on"] = book.finished_on or club_today(club)
    elif status == BookStatus.PLANNED:
        changes.update(started_on=None, finished_on=None)
    was_current = book.status == BookStatus.CURRENT
    model_update(instance=book, changes=changes)
    if was_current:
        _club_current_book_write(club=club, title=book.title if book.status == BookStatus.CURRENT else None)
    return book


@retry_on_conflict
@transaction.atomic
def book_delete(*, actor, club_id, book_id) -> None:
    """Delete a book and its reading entries; each member who had finished it reads one book fewer.
    The club's memberships are locked first, then the club (core/locks.py's order), so no reading
    entry changes between the count and the delete."""
    _members, clubs = lock_objects(
        Lock(ClubMember.objects.filter(club_id=club_id)), Lock(Club.objects.filter(pk=club_id))
    )
    if not clubs:
        raise Http404
    club = clubs[0]
    _manage_check(actor=actor, club=club)
    book = _book_of(club=club, book_id=book_id)
    readers = ReadingEntry.objects.filter(book=book, status=ReadingStatus.FINISHED).values("user_id")
    ClubMember.objects.filter(club=club, user_id__in=readers).update(books_read=Greatest(F("books_read") - 1, Value(0)))
    if book.status == BookStatus.CURRENT:
        _club_current_book_write(club=club, title=None)
    book.delete()


def club_current_book_set(*, club: Club, title: str | None, actor=None) -> None:
    """`clubs.services.current_book_changed`: the club's `current_book` was set to `title` by a
    club write (API or admin; the club is locked). The reading list follows: a blank title
    finishes the current book; another title starts the club's latest book of that title, or a
    new one (`book_start`)."""
    title = (title or "").strip() or None
    current = Book.objects.filter(club=club, status=BookStatus.CURRENT).first()
    if title is None:
        if current is not None:
            current.status, current.finished_on = BookStatus.FINISHED, club_today(club)
            current.save(update_fields=["status", "finished_on", "updated_at"])
        _club_current_book_write(club=club, title=None)
        return
    if current is not None and current.title == title:
        _club_current_book_write(club=club, title=title)
        return
    book = Book.objects.filter(club=club, title=title).order_by("-created_at", "-id").first()
    if book is None:
        book = Book.objects.create(club=club, title=title, added_by=actor)
    book_start(club=club, book=book)


# --- reading entries -------------------------------------------------------------------------
def _membership_lock(*, actor, club_id) -> ClubMember:
    """Lock the caller's ACTIVE membership (403 without one): every write of their reading
    entries in this club queues here."""
    member = lock_one(ClubMember.objects.filter(club_id=club_id, user_id=actor.pk, is_active=True))
    if member is None or not club_access(user=actor, club=member.club, role=member.role).can_keep_reading_entry():
        raise PermissionDenied("Only members of the club keep reading entries.")
    return member


def _books_read_move(*, member: ClubMember, was: str | None, now: str | None) -> None:
    delta = int(now == ReadingStatus.FINISHED) - int(was == ReadingStatus.FINISHED)
    if delta:
        ClubMember.objects.filter(pk=member.pk).update(books_read=Greatest(F("books_read") + delta, Value(0)))


def reading_write_check(*, access) -> None:
    """403 unless the caller may keep reading entries in the club (the view asks before the body)."""
    if not access.can_keep_reading_entry():
        raise PermissionDenied("Only members of the club keep reading entries.")


@retry_on_conflict
@transaction.atomic
def reading_entry_put(
    *,
    actor,
    club_id,
    book_id,
    status: str,
    progress_percent: int | None = None,
    rating: int | None = None,
    review: str = "",
) -> ReadingEntry:
    """Create or replace the caller's reading entry of the book (PUT: fields not sent take their
    defaults; `progress_percent` defaults to 100 for `finished`, else 0). Moves `books_read`."""
    member = _membership_lock(actor=actor, club_id=club_id)
    book = _book_of(club=member.club, book_id=book_id)
    entry = ReadingEntry.objects.filter(book=book, user_id=actor.pk).first()
    was = entry.status if entry is not None else None
    if progress_percent is None:
        progress_percent = 100 if status == ReadingStatus.FINISHED else 0
    values = {"status": status, "progress_percent": progress_percent, "rating": rating, "review": review or ""}
    if entry is None:
        entry = ReadingEntry.objects.create(book=book, user_id=actor.pk, **values)
    else:
        model_update(instance=entry, changes={k: v for k, v in values.items() if getattr(entry, k) != v})
    _books_read_move(member=member, was=was, now=status)
    return entry


@retry_on_conflict
@transaction.atomic
def reading_entry_delete(*, actor, club_id, book_id) -> None:
    """Delete the caller's reading entry of the book (404 if none); a finished one reads one book fewer."""
    member = _membership_lock(actor=actor, club_id=club_id)
    book = _book_of(club=member.club, book_id=book_id)
    entry = ReadingEntry.objects.filter(book=book, user_id=actor.pk).first()
    if entry is None:
        raise Http404
    entry.delete()
    _books_read_move(member=member, was=entry.status, now=None)
