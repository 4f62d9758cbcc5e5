"""The models added after the first audit round (books, reading entries, polls, options, ballots,
join requests, invites, webhooks) are tracked like the first ones: every insert, update and delete
leaves a row with who did it and through which door, and secrets (a webhook's signing secret, an
invite's code) never reach history."""

from __future__ import annotations

import pytest
from django.db import connection

from audit.models import (
    TRACKED,
    BallotHistory,
    BookHistory,
    InviteHistory,
    JoinRequestHistory,
    PollHistory,
    WebhookHistory,
)
from books.models import Book
from clubs.models import ClubRole
from tests.clubs.joining.helpers import ask_to_join, make_invite
from tests.conftest import client_for
from tests.factories import (
    BallotFactory,
    BookFactory,
    ClubFactory,
    ClubMemberFactory,
    PollFactory,
    ReadingEntryFactory,
    UserFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db


def _labels(history, obj_id) -> list[str]:
    return list(history.objects.filter(pgh_obj_id=obj_id).order_by("pgh_id").values_list("pgh_label", flat=True))


def _raw_rows(history) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {history._meta.db_table}")
        return cursor.fetchall()


@pytest.mark.parametrize(
    ("make", "field", "value"),
    [
        (BookFactory, "title", lambda book: "Parable of the Sower"),
        (ReadingEntryFactory, "progress_percent", lambda entry: 40),
        (PollFactory, "question", lambda poll: "Which one next?"),
        (BallotFactory, "choices", lambda ballot: [ballot.poll.options.order_by("position").last().pk]),
        (WebhookFactory, "url", lambda hook: "https://hooks.example.org/moved"),
    ],
    ids=["book", "reading", "poll", "ballot", "webhook"],
)
def test_insert_update_and_delete_each_leave_a_row(make, field, value):
    obj = make()
    history = next(model for model in TRACKED if model.pgh_tracked_model is type(obj))
    value = value(obj)
    setattr(obj, field, value)
    obj.save()
    obj_id = obj.pk
    obj.delete()
    assert _labels(history, obj_id) == ["insert", "update", "delete"]
    assert history.objects.filter(pgh_obj_id=obj_id, pgh_label="update").values_list(field, flat=True)[0] == value


def test_a_book_added_through_the_api_is_recorded_with_its_actor_and_channel():
    club = ClubFactory()
    response = client_for(club.owner).post(f"/api/v1/clubs/{club.pk}/books/", {"title": "Kindred"}, format="json")
    assert response.status_code == 201, response.content
    book = Book.objects.get(pk=response.json()["id"])

    (row,) = BookHistory.objects.filter(pgh_obj_id=book.pk)
    assert (row.pgh_label, row.title, row.club_id) == ("insert", "Kindred", club.pk)
    assert row.pgh_context.metadata["user"] == str(club.owner.pk)
    assert row.pgh_context.metadata["channel"] == "api"


def test_a_vote_and_its_change_are_recorded_for_the_voter():
    club = ClubFactory()
    voter = ClubMemberFactory(club=club).user
    poll = PollFactory(club=club)
    first, second = poll.options.order_by("position").values_list("pk", flat=True)[:2]
    client = client_for(voter)
    for option in (first, second):
        response = client.put(f"/api/v1/polls/{poll.pk}/vote/", {"options": [str(option)]}, format="json")
        assert response.status_code == 200, response.content

    rows = list(BallotHistory.objects.filter(poll_id=poll.pk).order_by("pgh_id"))
    assert [(row.pgh_label, row.choices) for row in rows] == [("insert", [first]), ("update", [second])]
    assert {row.pgh_context.metadata["user"] for row in rows} == {str(voter.pk)}
    assert PollHistory.objects.filter(pgh_obj_id=poll.pk, pgh_label="insert").exists()


def test_invites_and_join_requests_are_recorded_without_the_invite_code():
    club = ClubFactory()
    invite = make_invite(club, club.owner, role=ClubRole.MEMBER)
    asker = UserFactory()
    ask_to_join(ClubFactory(is_public=True, join_policy="approval"), asker, "Hello")

    (row,) = InviteHistory.objects.all()
    assert (row.pgh_label, row.club_id, row.created_by_id) == ("insert", club.pk, club.owner.pk)
    assert "code" not in {field.name for field in InviteHistory._meta.fields}
    assert not any(invite["code"] in str(value) for raw in _raw_rows(InviteHistory) for value in raw)
    assert JoinRequestHistory.objects.filter(user_id=asker.pk, pgh_label="insert").count() == 1


def test_a_webhooks_signing_secret_never_reaches_history():
    hook = WebhookFactory()
    hook.url = "https://hooks.example.org/moved"
    hook.save()

    assert _labels(WebhookHistory, hook.pk) == ["insert", "update"]
    assert "secret" not in {field.name for field in WebhookHistory._meta.fields}
    assert not any(hook.secret in str(value) for raw in _raw_rows(WebhookHistory) for value in raw)
