"""A club's books and polls: the reading list (current, planned, finished) with the member's own
reading entry, and a poll's page with its ballot and, when they may be shown, its results.

Reads go through the books and polls selectors (a hidden club or poll is a 404 page), writes
through their services; the input is read by the API's own serializers, so the pages and the API
accept the same values and refuse with the same words."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from books import selectors as book_selectors
from books import services as book_services
from books.models import BookStatus, ReadingStatus
from books.polls import selectors as poll_selectors
from books.polls import services as poll_services
from books.polls.models import PollStatus
from books.polls.serializers import CloseSerializer, VoteSerializer
from books.serializers import BookCreateSerializer, ReadingEntryWriteSerializer
from clubs.selectors import club_get_visible_with_access
from core import time
from web.forms import BookForm, ReadingForm
from web.views.common import REFUSALS, allowed, member_required, refuse

RECENT_POLLS = 10


@member_required
def books(request, club_id):
    """The reading list grouped by status, the member's entry of each book, the club's recent polls."""
    club, access = club_get_visible_with_access(user=request.user, club_id=club_id)
    shelves = {status: [] for status in BookStatus.values}
    for book in book_selectors.books_of_club(club=club):
        shelves[book.status].append(book)
    mine = book_selectors.reading_entries_of_member(club=club, user=request.user)
    polls = list(poll_selectors.polls_of_club(club=club)[:RECENT_POLLS])
    context = {
        "club": club,
        "access": access,
        "current": shelves[BookStatus.CURRENT],
        "planned": shelves[BookStatus.PLANNED],
        "finished": shelves[BookStatus.FINISHED][::-1],  # the latest read first
        "mine": {book_id: ReadingForm(initial=_initial(entry), prefix=str(book_id)) for book_id, entry in mine.items()},
        "blank_reading": lambda book: ReadingForm(prefix=str(book.pk)),
        "can_keep": allowed(book_services.reading_write_check, access=access),
        "add_form": BookForm() if allowed(book_services.book_manage_check, access=access) else None,
        "polls": poll_selectors.polls_represent(polls, user=request.user),
    }
    return render(request, "web/books.html", context)


def _initial(entry) -> dict:
    return {"status": entry.status, "progress_percent": entry.progress_percent, "rating": entry.rating}


def _api_errors(request, body) -> bool:
    """Validate `body` (an API serializer); on errors, show them as messages and return True."""
    if body.is_valid():
        return False
    for field, errors in body.errors.items():
        label = "" if field == "non_field_errors" else f"{field.replace('_', ' ').capitalize()}: "
        for error in errors:
            messages.error(request, f"{label}{error}")
    return True


@member_required
@require_POST
def book_add(request, club_id):
    club, access = club_get_visible_with_access(user=request.user, club_id=club_id)
    form = BookForm(request.POST)
    if not allowed(book_services.book_manage_check, access=access):
        messages.error(request, "Only club moderators and admins may change the reading list.")
    elif form.is_valid():
        body = BookCreateSerializer(data={key: value for key, value in form.cleaned_data.items() if value})
        if not _api_errors(request, body):
            try:
                book = book_services.book_create(actor=request.user, club_id=club.pk, **body.validated_data)
            except REFUSALS as error:
                refuse(request, error)
            else:
                messages.success(request, f"{book.title} is on the reading list.")
    else:
        messages.error(request, "Give the book a title.")
    return redirect("web:books", club_id=club.pk)


@member_required
@require_POST
def book_start(request, club_id, book_id):
    club, _ = club_get_visible_with_access(user=request.user, club_id=club_id)
    book = book_selectors.book_get(club=club, book_id=book_id)
    try:
        book = book_services.book_start_by(actor=request.user, club_id=club.pk, book_id=book.pk)
    except REFUSALS as error:
        refuse(request, error)
    else:
        messages.success(request, f"The club is now reading {book.title}.")
    return redirect("web:books", club_id=club.pk)


@member_required
@require_POST
def reading(request, club_id, book_id):
    """The member's reading entry of a book: created or replaced, like the API's PUT."""
    club, _ = club_get_visible_with_access(user=request.user, club_id=club_id)
    book = book_selectors.book_get(club=club, book_id=book_id)
    form = ReadingForm(request.POST, prefix=str(book.pk))
    if not form.is_valid():
        messages.error(request, "Choose how your reading goes; progress is 0 to 100 and a rating 1 to 5.")
        return redirect("web:books", club_id=club.pk)
    body = ReadingEntryWriteSerializer(data={key: value for key, value in form.cleaned_data.items() if value != ""})
    if not _api_errors(request, body):
        try:
            book_services.reading_entry_put(actor=request.user, club_id=club.pk, book_id=book.pk, **body.validated_data)
        except REFUSALS as error:
            refuse(request, error)
        else:
            messages.success(request, f"Saved: {ReadingStatus(body.validated_data['status']).label} {book.title}.")
    return redirect("web:books", club_id=club.pk)


@member_required
def poll(request, poll_id):
    """The question, its options (with votes where the poll's rule shows them), the member's ballot."""
    found, body, access = poll_selectors.poll_detail(user=request.user, poll_id=poll_id)
    open_ = found.status == PollStatus.OPEN
    context = {
        "club": found.club,
        "poll": body,
        # In the club's zone, like every time on the pages.
        "closes_at": found.closes_at.astimezone(time.club_zone(found.club)) if found.closes_at else None,
        "labels": {option["id"]: option["label"] for option in body["options"]},
        "can_vote": open_ and allowed(poll_services.poll_vote_check, access=access),
        "can_close": open_ and allowed(poll_services.poll_manage_check, access=access),
    }
    return render(request, "web/poll.html", context)


@member_required
@require_POST
def poll_vote(request, poll_id):
    """A ballot from the form: the checked options, or for a ranked poll the options chosen as
    first, second, ... choice in that order (an empty rank is skipped)."""
    found, access = poll_selectors.poll_get_visible(user=request.user, poll_id=poll_id)
    if found.ranked:
        ranks = sorted((key for key in request.POST if key.startswith("rank-")), key=lambda key: int(key[5:] or 0))
        chosen = [request.POST[key] for key in ranks if request.POST[key]]
    else:
        chosen = request.POST.getlist("options")
    body = VoteSerializer(data={"options": chosen})
    try:
        poll_services.poll_vote_check(access=access)
        if not _api_errors(request, body):
            poll_services.poll_vote(actor=request.user, poll_id=found.pk, option_ids=body.validated_data["options"])
            messages.success(request, "Your vote is in.")
    except REFUSALS as error:
        refuse(request, error)
    return redirect("web:poll", poll_id=found.pk)


@member_required
@require_POST
def poll_close(request, poll_id):
    found, access = poll_selectors.poll_get_visible(user=request.user, poll_id=poll_id)
    body = CloseSerializer(data={"apply": request.POST.get("apply") == "on"})
    body.is_valid(raise_exception=True)  # a boolean from a checkbox: always valid
    try:
        poll_services.poll_manage_check(access=access)
        poll_services.poll_close(actor=request.user, poll_id=found.pk, apply=body.validated_data["apply"])
    except REFUSALS as error:
        refuse(request, error)
    else:
        messages.success(request, "The poll is closed.")
    return redirect("web:poll", poll_id=found.pk)
