"""HTTP for the reading list and reading entries: parse, call a selector or a service, render.

Every handler first resolves the club through `clubs.selectors` (404 for a club the caller may
not see, same body as an unknown or malformed id), then the book within that club."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from books import selectors, services
from books.serializers import (
    BookCreateSerializer,
    BookFilterSerializer,
    BookSerializer,
    BookUpdateSerializer,
    ReadingEntrySerializer,
    ReadingEntryWriteSerializer,
)
from clubs.selectors import club_get_visible_with_access, club_version
from core import conditional
from core.paginate import paginate
from core.pagination import PageNumberPagination
from core.responses import errors, path_ids

TAGS = ["books"]


class _ClubView(APIView):
    pagination_class = PageNumberPagination

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Resolved once, after authentication: every path under a hidden club is a 404. A read
        # resolves it with its version (the same one statement): what its ETag is made of.
        if request.method in ("GET", "HEAD"):
            self.version = club_version(user=request.user, club_id=kwargs["club_id"], scopes=("club.books",))
            self.club, self.access = self.version.club, self.version.access
        else:
            self.club, self.access = club_get_visible_with_access(user=request.user, club_id=kwargs["club_id"])

    def book(self, book_id):
        return selectors.book_get(club=self.club, book_id=book_id)

    def conditional(self, request, *, exists: bool = True):
        """`(tag, 304 or None)` of a read of the reading list: the club's `club.books` scope (its
        books and reading entries), its stamp (members' names) and the caller's role."""
        return conditional.check(request, *self.version.parts, conditional.caller(request.user), exists=exists)


@extend_schema(parameters=path_ids("club_id"))
class BookListView(_ClubView):
    @extend_schema(
        tags=TAGS,
        operation_id="books_list",
        summary="The club's reading list, oldest first",
        parameters=[BookFilterSerializer],
        responses={200: BookSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, club_id):
        params = BookFilterSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        tag, answer = self.conditional(request)
        if answer is not None:
            return answer
        rows = selectors.books_of_club(club=self.club, **params.validated_data)
        return conditional.tagged(paginate(request, self, rows, BookSerializer), tag)

    @extend_schema(
        tags=TAGS,
        operation_id="books_create",
        summary="Add a book to the reading list (club moderators and admins)",
        request=BookCreateSerializer,
        responses={201: BookSerializer, **errors(400, 403, 404)},
    )
    def post(self, request, club_id):
        services.book_manage_check(access=self.access)
        body = BookCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        book = services.book_create(actor=request.user, club_id=self.club.pk, **body.validated_data)
        return Response(BookSerializer(book).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=path_ids("club_id", "book_id"))
class BookDetailView(_ClubView):
    @extend_schema(
        tags=TAGS, operation_id="books_retrieve", summary="A book", responses={200: BookSerializer, **errors(404)}
    )
    def get(self, request, club_id, book_id):
        tag, answer = self.conditional(request, exists=False)
        if answer is not None:
            return answer
        book = self.book(book_id)
        return conditional.dated(conditional.tagged(Response(BookSerializer(book).data), tag), book.updated_at)

    @extend_schema(
        tags=TAGS,
        operation_id="books_partial_update",
        summary="Edit a book (club moderators and admins)",
        request=BookUpdateSerializer(partial=True),
        responses={200: BookSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request, club_id, book_id):
        book = self.book(book_id)
        services.book_manage_check(access=self.access)
        body = BookUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        book = services.book_update(
            actor=request.user, club_id=self.club.pk, book_id=book.pk, data=dict(body.validated_data)
        )
        return Response(BookSerializer(book).data)

    @extend_schema(
        tags=TAGS,
        operation_id="books_destroy",
        summary="Delete a book and its reading entries (club moderators and admins)",
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request, club_id, book_id):
        book = self.book(book_id)
        services.book_manage_check(access=self.access)
        services.book_delete(actor=request.user, club_id=self.club.pk, book_id=book.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=path_ids("club_id", "book_id"))
class BookStartView(_ClubView):
    @extend_schema(
        tags=TAGS,
        operation_id="books_start",
        summary="Make the book current; the previous current book becomes finished",
        request=None,
        responses={200: BookSerializer, **errors(403, 404)},
    )
    def post(self, request, club_id, book_id):
        book = self.book(book_id)
        services.book_manage_check(access=self.access)
        book = services.book_start_by(actor=request.user, club_id=self.club.pk, book_id=book.pk)
        return Response(BookSerializer(book).data)


@extend_schema(parameters=path_ids("club_id", "book_id"))
class ReadingListView(_ClubView):
    @extend_schema(
        tags=TAGS,
        operation_id="books_reading_list",
        summary="The members' reading entries for the book, most recently updated first",
        responses={200: ReadingEntrySerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, club_id, book_id):
        tag, answer = self.conditional(request, exists=False)
        if answer is not None:
            return answer
        rows = selectors.reading_entries_of_book(book=self.book(book_id))
        return conditional.tagged(paginate(request, self, rows, ReadingEntrySerializer), tag)


@extend_schema(parameters=path_ids("club_id", "book_id"))
class ReadingMeView(_ClubView):
    @extend_schema(
        tags=TAGS,
        operation_id="books_reading_me_retrieve",
        summary="The caller's reading entry for the book (404 if none)",
        responses={200: ReadingEntrySerializer, **errors(404)},
    )
    def get(self, request, club_id, book_id):
        tag, answer = self.conditional(request, exists=False)
        if answer is not None:
            return answer
        entry = selectors.reading_entry_of(book=self.book(book_id), user=request.user)
        response = conditional.tagged(Response(ReadingEntrySerializer(entry).data), tag)
        return conditional.dated(response, entry.updated_at)

    @extend_schema(
        tags=TAGS,
        operation_id="books_reading_me_update",
        summary="Set the caller's reading entry (members); `books_read` follows `finished`",
        request=ReadingEntryWriteSerializer,
        responses={200: ReadingEntrySerializer, **errors(400, 403, 404)},
    )
    def put(self, request, club_id, book_id):
        book = self.book(book_id)
        services.reading_write_check(access=self.access)
        body = ReadingEntryWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.reading_entry_put(actor=request.user, club_id=self.club.pk, book_id=book.pk, **body.validated_data)
        entry = selectors.reading_entry_of(book=book, user=request.user)
        return Response(ReadingEntrySerializer(entry).data)

    @extend_schema(
        tags=TAGS,
        operation_id="books_reading_me_destroy",
        summary="Delete the caller's reading entry",
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request, club_id, book_id):
        book = self.book(book_id)
        services.reading_write_check(access=self.access)
        services.reading_entry_delete(actor=request.user, club_id=self.club.pk, book_id=book.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
