"""Shapes of books and reading entries in the API. Input serializers validate only (ISBN to
ISBN-13, https covers); the services decide and write."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from books.isbn import isbn_normalize
from books.models import (
    BOOK_SETTABLE_STATUSES,
    COVER_URL_MAX,
    REVIEW_MAX,
    TITLE_MAX,
    Book,
    BookStatus,
    ReadingEntry,
    ReadingStatus,
)
from core.serializers import CachedFieldsMixin, StrictCharField, StrictURLField


class BookSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """A book of a club's reading list. `isbn` is ISBN-13 digits or null; `added_by` a user id."""

    status = serializers.ChoiceField(choices=BookStatus.choices)

    class Meta:
        model = Book
        fields = [
            "id", "club", "title", "author", "isbn", "cover_url", "status", "started_on", "finished_on",
            "added_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class IsbnField(StrictCharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "help_text", "ISBN-10 or ISBN-13 (hyphens and spaces allowed), check digit verified; stored as ISBN-13."
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return isbn_normalize(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid_isbn") from None


class HttpsUrlField(StrictURLField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", COVER_URL_MAX)
        kwargs.setdefault("help_text", "An https URL.")
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)  # a URL first (DRF's validators), then https
        if value is not None and not value.lower().startswith("https://"):
            raise serializers.ValidationError("The cover URL must use https.", code="https_required")
        return value


class BookCreateSerializer(serializers.Serializer):
    """Body of POST: a new book is `planned` (it becomes current through its start action)."""

    title = StrictCharField(min_length=1, max_length=TITLE_MAX)
    author = StrictCharField(required=False, allow_blank=True, max_length=TITLE_MAX)
    isbn = IsbnField(required=False, allow_null=True)
    cover_url = HttpsUrlField(required=False, allow_null=True)

    def validate_title(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("A title is required.", code="blank")
        return value.strip()


class BookUpdateSerializer(BookCreateSerializer):
    """Body of PATCH (partial): the fields of POST, and `status` `finished` or `planned`."""

    status = serializers.ChoiceField(
        choices=BOOK_SETTABLE_STATUSES,
        required=False,
        help_text="`finished` or `planned`; a book becomes current through its start action.",
    )


class BookFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=BookStatus.choices, required=False)


class ReadingUserSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    avatar = serializers.CharField(allow_null=True)


class ReadingEntrySerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """A member's reading of a book."""

    user = ReadingUserSerializer()
    status = serializers.ChoiceField(choices=ReadingStatus.choices)

    class Meta:
        model = ReadingEntry
        fields = ["user", "status", "progress_percent", "rating", "review", "updated_at"]
        read_only_fields = fields


class ReadingEntryWriteSerializer(serializers.Serializer):
    """Body of PUT (a replacement: fields not sent take their defaults)."""

    status = serializers.ChoiceField(choices=ReadingStatus.choices)
    progress_percent = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=100, help_text="Default: 100 when finished, else 0."
    )
    rating = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=5)
    review = StrictCharField(required=False, allow_blank=True, allow_null=True, max_length=REVIEW_MAX)
