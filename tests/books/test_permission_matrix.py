"""Every role × every books/polls action × public and private club → the expected status.

Roles (tests/clubs/conftest.py): a signed-in outsider, club guest, member, moderator and admin,
the owner, and a site admin who is not a member. Anyone who may see the club reads its books and
polls; club moderators, admins (the owner) and site admins write the list and manage polls;
active members (guests too) keep reading entries; members other than guests vote (others get
403 `not_a_voter`). In a private club an outsider gets 404 on everything.
"""

from __future__ import annotations

import pytest

from books.models import Book
from books.polls.models import Poll
from clubs.models import ClubMember
from tests.clubs.conftest import ROLES, build_world
from tests.conftest import client_for
from tests.factories import BookFactory, PollFactory

pytestmark = pytest.mark.django_db

#                      outsider guest member moderator admin owner site_admin
PUBLIC_EXPECTED = {
    "books_list":      (200,     200,  200,   200,      200,  200,  200),
    "book_get":        (200,     200,  200,   200,      200,  200,  200),
    "book_create":     (403,     403,  403,   201,      201,  201,  201),
    "book_update":     (403,     403,  403,   200,      200,  200,  200),
    "book_delete":     (403,     403,  403,   204,      204,  204,  204),
    "book_start":      (403,     403,  403,   200,      200,  200,  200),
    "reading_list":    (200,     200,  200,   200,      200,  200,  200),
    "reading_put":     (403,     200,  200,   200,      200,  200,  403),
    "polls_list":      (200,     200,  200,   200,      200,  200,  200),
    "poll_create":     (403,     403,  403,   201,      201,  201,  201),
    "poll_get":        (200,     200,  200,   200,      200,  200,  200),
    "poll_vote":       (403,     403,  200,   200,      200,  200,  403),
    "poll_close":      (403,     403,  403,   200,      200,  200,  200),
    "poll_delete":     (403,     403,  403,   204,      204,  204,  204),
}  # fmt: skip


def expected(action: str, role: str, *, is_public: bool) -> int:
    if not is_public and role == "outsider":
        return 404
    return PUBLIC_EXPECTED[action][ROLES.index(role)]


def perform(action: str, client, world, book, poll):
    club = f"/api/v1/clubs/{world.club.pk}/"
    book_path = f"{club}books/{book.pk}/"
    poll_path = f"/api/v1/polls/{poll.pk}/"
    option = str(poll.options.order_by("position").first().pk)
    return {
        "books_list": lambda: client.get(f"{club}books/"),
        "book_get": lambda: client.get(book_path),
        "book_create": lambda: client.post(f"{club}books/", {"title": "Kindred"}, format="json"),
        "book_update": lambda: client.patch(book_path, {"author": "Someone"}, format="json"),
        "book_delete": lambda: client.delete(book_path),
        "book_start": lambda: client.post(f"{book_path}start/"),
        "reading_list": lambda: client.get(f"{book_path}reading/"),
        "reading_put": lambda: client.put(f"{book_path}reading/me/", {"status": "finished"}, format="json"),
        "polls_list": lambda: client.get(f"{club}polls/"),
        "poll_create": lambda: client.post(
            f"{club}polls/",
            {"question": "Q?", "kind": "text", "options": [{"label": "A"}, {"label": "B"}]},
            format="json",
        ),
        "poll_get": lambda: client.get(poll_path),
        "poll_vote": lambda: client.put(f"{poll_path}vote/", {"options": [option]}, format="json"),
        "poll_close": lambda: client.post(f"{poll_path}close/", {}, format="json"),
        "poll_delete": lambda: client.delete(poll_path),
    }[action]()


@pytest.mark.parametrize("is_public", [True, False], ids=["public", "private"])
@pytest.mark.parametrize("action", sorted(PUBLIC_EXPECTED))
def test_matrix(action, is_public):
    world = build_world(is_public=is_public)
    for role in ROLES:
        book, poll = BookFactory(club=world.club), PollFactory(club=world.club)
        response = perform(action, client_for(world.users[role]), world, book, poll)
        want = expected(action, role, is_public=is_public)
        assert response.status_code == want, (action, role, is_public, response.status_code, response.content[:200])
        if want == 403 and action == "poll_vote":
            assert response.json()["errors"][0]["code"] == "not_a_voter"
        if want == 403 and action in ("book_delete", "poll_delete"):
            assert Book.objects.filter(pk=book.pk).exists() and Poll.objects.filter(pk=poll.pk).exists()


def test_a_former_member_may_no_longer_keep_reading_entries():
    world = build_world(is_public=True)
    book = BookFactory(club=world.club)
    ClubMember.objects.filter(club=world.club, user=world.users["member"]).update(is_active=False)
    response = client_for(world.users["member"]).put(
        f"/api/v1/clubs/{world.club.pk}/books/{book.pk}/reading/me/", {"status": "reading"}, format="json"
    )
    assert response.status_code == 403
