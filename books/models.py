"""A club's reading list (`books`) and each member's reading of a book (`reading_entries`).

Contract:
- At most one `current` book per club: a partial UNIQUE index (`books_one_current_per_club`)
  backs the service rule (`books.services.book_start` locks the club first). The club's
  `current_book` column always holds the current book's title, or null.
- `isbn` is stored as ISBN-13 digits (no hyphens), `cover_url` is https only (books/isbn.py and
  the serializers validate; CHECKs hold the database to the value lists).
- One reading entry per (book, user); the member's `club_members.books_read` moves by one when an
  entry becomes or stops being `finished` (`books.services.reading_entry_put`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from clubs.models import Club
from core.models import created_at_field, updated_at_field, uuid_primary_key

TITLE_MAX = 255
REVIEW_MAX = 2000
COVER_URL_MAX = 2048


class BookStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    CURRENT = "current", "Current"
    FINISHED = "finished", "Finished"


# What a PATCH may set a book's status to: `current` is the start action's alone.
BOOK_SETTABLE_STATUSES = [(BookStatus.PLANNED.value, "Planned"), (BookStatus.FINISHED.value, "Finished")]


class ReadingStatus(models.TextChoices):
    READING = "reading", "Reading"
    FINISHED = "finished", "Finished"
    ABANDONED = "abandoned", "Abandoned"


class Book(models.Model):
    """A book of a club's reading list."""

    id = uuid_primary_key()
    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="books", db_index=False)
    title = models.CharField(max_length=TITLE_MAX)
    author = models.CharField(max_length=TITLE_MAX, blank=True, default="", db_default="")
    isbn = models.CharField(max_length=13, null=True, blank=True)
    cover_url = models.URLField(max_length=COVER_URL_MAX, null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=BookStatus.choices, default=BookStatus.PLANNED, db_default=BookStatus.PLANNED
    )
    started_on = models.DateField(null=True, blank=True)
    finished_on = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        db_table = "books"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["club", "status", "created_at"], name="idx_books_club_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["club"], condition=Q(status=BookStatus.CURRENT), name="books_one_current_per_club"
            ),
            models.CheckConstraint(condition=Q(status__in=BookStatus.values), name="books_status_check"),
            models.CheckConstraint(condition=Q(isbn__regex=r"^97[89][0-9]{10}$"), name="books_isbn13_check"),
            models.CheckConstraint(condition=Q(cover_url__startswith="https://"), name="books_cover_https_check"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.author})" if self.author else self.title


class ReadingEntry(models.Model):
    """One member's reading of one book."""

    id = uuid_primary_key()
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="readings", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readings")
    status = models.CharField(
        max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.READING, db_default=ReadingStatus.READING
    )
    progress_percent = models.SmallIntegerField(default=0, db_default=0)
    rating = models.SmallIntegerField(null=True, blank=True)
    review = models.TextField(blank=True, default="", db_default="")
    created_at = created_at_field()
    updated_at = updated_at_field()

    class Meta:
        db_table = "reading_entries"
        ordering = ["updated_at", "id"]
        verbose_name_plural = "reading entries"
        constraints = [
            models.UniqueConstraint(fields=["book", "user"], name="reading_entries_book_user_key"),
            models.CheckConstraint(condition=Q(status__in=ReadingStatus.values), name="reading_entries_status_check"),
            models.CheckConstraint(
                condition=Q(progress_percent__gte=0, progress_percent__lte=100), name="reading_entries_progress_check"
            ),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="reading_entries_rating_check"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.book_id} ({self.status})"
