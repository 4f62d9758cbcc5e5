"""Polls through the API: create (text, date, book), vote and replace, ballot validation,
close with the winner, `apply`, 409 `poll_closed`, notifications, the worker's auto-close,
query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from books.models import Book, BookStatus
from books.polls.models import Ballot, Poll, PollStatus
from books.polls.services import polls_close_due
from clubs.models import Club, ClubRole
from notifications.models import Notification
from tests.conftest import client_for
from tests.factories import BallotFactory, BookFactory, ClubFactory, ClubMemberFactory, PollFactory

pytestmark = pytest.mark.django_db

POLL_KEYS = [
    "id", "club", "question", "kind", "options", "multiple", "ranked", "results", "closes_at", "status",
    "created_by", "my_vote", "voter_count", "winner", "created_at",
]  # fmt: skip


def polls_url(club) -> str:
    return f"/api/v1/clubs/{club.pk}/polls/"


def option_ids(body) -> list[str]:
    return [option["id"] for option in body["options"]]


def test_create_a_text_poll_tells_the_other_members():
    club = ClubFactory()
    member = ClubMemberFactory(club=club)
    guest = ClubMemberFactory(club=club, role=ClubRole.GUEST)
    body = {"question": "Snacks?", "kind": "text", "options": [{"label": "Tea"}, {"label": "Cake"}]}
    response = client_for(club.owner).post(polls_url(club), body, format="json")
    assert response.status_code == 201, response.content
    poll = response.json()
    assert list(poll) == POLL_KEYS
    assert [o["label"] for o in poll["options"]] == ["Tea", "Cake"]
    assert list(poll["options"][0]) == ["id", "label", "book", "starts_at", "votes"]
    assert (poll["status"], poll["my_vote"], poll["voter_count"], poll["winner"]) == ("open", None, 0, None)
    told = set(Notification.objects.filter(kind="poll_opened").values_list("user_id", flat=True))
    assert told == {member.user_id, guest.user_id}


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"question": "Q", "kind": "text", "options": [{"label": "Only one"}]}, "options"),
        ({"question": "Q", "kind": "text", "options": [{"label": "A"}, {"label": "A"}]}, "options"),
        ({"question": "Q", "kind": "date", "options": [{"label": "A"}, {"label": "B"}]}, "options"),
        ({"question": "Q", "kind": "book", "options": [{"label": "A"}, {"label": "B"}]}, "options"),
        ({"question": "Q", "kind": "poll", "options": [{"label": "A"}, {"label": "B"}]}, "kind"),
        ({"question": "Q", "kind": "text", "options": [{"label": "A"}, {"label": "B"}], "closes_at": "2001-01-01T00:00:00Z"}, "closes_at"),
    ],
)  # fmt: skip
def test_invalid_polls_are_400(body, attr):
    club = ClubFactory()
    response = client_for(club.owner).post(polls_url(club), body, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"].split(".")[0] == attr
    assert not Poll.objects.exists()


def test_a_book_poll_takes_books_of_this_club_only():
    club, other = ClubFactory(), ClubFactory()
    mine, foreign = BookFactory(club=club, title="Emma"), BookFactory(club=other)
    client = client_for(club.owner)
    bad = {"question": "Next?", "kind": "book", "options": [{"book": str(mine.pk)}, {"book": str(foreign.pk)}]}
    assert client.post(polls_url(club), bad, format="json").status_code == 400
    second = BookFactory(club=club, title="Kindred")
    good = {"question": "Next?", "kind": "book", "options": [{"book": str(mine.pk)}, {"book": str(second.pk)}]}
    poll = client.post(polls_url(club), good, format="json").json()
    assert [(o["label"], o["book"]) for o in poll["options"]] == [("Emma", str(mine.pk)), ("Kindred", str(second.pk))]


def test_a_date_poll_labels_its_options_by_date():
    club = ClubFactory()
    when = ["2030-05-01T18:00:00Z", "2030-05-08T18:00:00Z"]
    body = {"question": "When?", "kind": "date", "options": [{"starts_at": w} for w in when]}
    poll = client_for(club.owner).post(polls_url(club), body, format="json").json()
    assert [o["starts_at"] for o in poll["options"]] == when
    assert [o["label"] for o in poll["options"]] == ["2030-05-01 18:00", "2030-05-08 18:00"]


def test_a_second_vote_replaces_the_first_and_delete_withdraws():
    poll = PollFactory(multiple=True)
    member = ClubMemberFactory(club=poll.club)
    client = client_for(member.user)
    url = f"/api/v1/polls/{poll.pk}/"
    a, b, c = option_ids(client.get(url).json())
    assert client.put(f"{url}vote/", {"options": [a, b]}, format="json").json()["my_vote"] == [a, b]
    body = client.put(f"{url}vote/", {"options": [c]}, format="json").json()
    assert (body["my_vote"], body["voter_count"]) == ([c], 1)
    assert [o["votes"] for o in body["options"]] == [0, 0, 1]
    assert Ballot.objects.filter(poll=poll).count() == 1
    assert client.delete(f"{url}vote/").status_code == 204
    assert client.get(url).json()["my_vote"] is None
    assert client.delete(f"{url}vote/").status_code == 404


@pytest.mark.parametrize(
    ("choices", "code"),
    [
        (lambda ids: [ids[0], ids[0]], "duplicate_option"),
        (lambda ids: [ids[0], "00000000-0000-0000-0000-000000000000"], "unknown_option"),
        (lambda ids: [ids[0], ids[1]], "single_choice"),
        (lambda ids: [], "min_length"),
        (lambda ids: ["not-a-uuid"], "invalid"),
    ],
)
def test_invalid_ballots_are_400(choices, code):
    poll = PollFactory(multiple=False)
    member = ClubMemberFactory(club=poll.club)
    client = client_for(member.user)
    ids = option_ids(client.get(f"/api/v1/polls/{poll.pk}/").json())
    response = client.put(f"/api/v1/polls/{poll.pk}/vote/", {"options": choices(ids)}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == code
    assert not Ballot.objects.exists()


def test_guests_and_outsiders_are_not_voters():
    poll = PollFactory()
    guest = ClubMemberFactory(club=poll.club, role=ClubRole.GUEST)
    ids = [str(o.pk) for o in poll.options.all()]
    for user in (guest.user, ClubMemberFactory().user):
        response = client_for(user).put(f"/api/v1/polls/{poll.pk}/vote/", {"options": ids[:1]}, format="json")
        assert response.status_code == 403
        assert response.json()["errors"][0]["code"] == "not_a_voter"


def test_close_a_ranked_poll_decides_by_instant_runoff_and_tells_the_members():
    poll = PollFactory(ranked=True, multiple=True, options=["A", "B", "C"])
    a, b, c = list(poll.options.order_by("position").values_list("pk", flat=True))
    # First preferences A 2, B 1, C 2 (5): B goes; its ballot ranks C next -> C 3 of 5.
    for choices in ([a], [a], [b, c], [c], [c, a]):
        BallotFactory(poll=poll, user=ClubMemberFactory(club=poll.club).user, choices=choices)
    response = client_for(poll.club.owner).post(f"/api/v1/polls/{poll.pk}/close/", {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["winner"]) == ("closed", str(c))
    assert [o["votes"] for o in body["options"]] == [2, 1, 2]  # first preferences
    closed = Notification.objects.filter(kind="poll_closed")
    assert closed.count() == 6 and "C" in closed.first().body  # the owner and the five voters
    again = client_for(poll.club.owner).post(f"/api/v1/polls/{poll.pk}/close/", {}, format="json")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "poll_closed"


def test_closing_a_book_poll_with_apply_starts_the_winning_book():
    club = ClubFactory()
    current = BookFactory(club=club, title="Emma", status=BookStatus.CURRENT)
    Club.objects.filter(pk=club.pk).update(current_book="Emma")
    first, second = BookFactory(club=club, title="Kindred"), BookFactory(club=club, title="Solaris")
    client = client_for(club.owner)
    body = {"question": "Next?", "kind": "book", "options": [{"book": str(first.pk)}, {"book": str(second.pk)}]}
    poll = client.post(polls_url(club), body, format="json").json()
    voter = ClubMemberFactory(club=club)
    client_for(voter.user).put(
        f"/api/v1/polls/{poll['id']}/vote/", {"options": [poll["options"][1]["id"]]}, format="json"
    )
    closed = client.post(f"/api/v1/polls/{poll['id']}/close/", {"apply": True}, format="json").json()
    assert closed["winner"] == poll["options"][1]["id"]
    assert Book.objects.get(pk=second.pk).status == BookStatus.CURRENT
    assert Book.objects.get(pk=current.pk).status == BookStatus.FINISHED
    assert Club.objects.get(pk=club.pk).current_book == "Solaris"


def test_a_tie_goes_to_the_option_listed_first_and_no_ballots_no_winner():
    tied = PollFactory(options=["A", "B"])
    a, b = tied.options.order_by("position")
    BallotFactory(poll=tied, choices=[b.pk])
    BallotFactory(poll=tied, choices=[a.pk])
    owner = client_for(tied.club.owner)
    assert owner.post(f"/api/v1/polls/{tied.pk}/close/", {}, format="json").json()["winner"] == str(a.pk)
    empty = PollFactory(club=tied.club)
    assert owner.post(f"/api/v1/polls/{empty.pk}/close/", {}, format="json").json()["winner"] is None


def test_voting_on_a_closed_or_expired_poll_is_409_and_the_worker_closes_it():
    poll = PollFactory()
    member = ClubMemberFactory(club=poll.club)
    client = client_for(member.user)
    first = str(poll.options.order_by("position").first().pk)
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.put(f"/api/v1/polls/{poll.pk}/vote/", {"options": [first]}, format="json")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "poll_closed"
    later = PollFactory(club=poll.club, closes_at=timezone.now() + dt.timedelta(hours=1))
    assert polls_close_due() == 1
    assert Poll.objects.get(pk=poll.pk).status == PollStatus.CLOSED
    assert Poll.objects.get(pk=later.pk).status == PollStatus.OPEN
    assert polls_close_due() == 0  # nothing left to close
    response = client.put(f"/api/v1/polls/{poll.pk}/vote/", {"options": [first]}, format="json")
    assert response.status_code == 409


def test_the_close_job_is_a_periodic_task_of_the_worker():
    from procrastinate.contrib.django import app

    from books.polls import tasks

    assert "polls.close_due_polls" in app.tasks
    assert any(p.periodic_id == "close_due_polls" for p in app.periodic_registry.periodic_tasks.values())
    assert tasks.close_due_polls is app.tasks["polls.close_due_polls"]


def test_delete_a_poll():
    poll = PollFactory()
    BallotFactory(poll=poll)
    assert client_for(poll.club.owner).delete(f"/api/v1/polls/{poll.pk}/").status_code == 204
    assert not Poll.objects.exists() and not Ballot.objects.exists()


def test_poll_list_and_detail_query_counts_stay_flat(django_assert_max_num_queries):
    club = ClubFactory()
    owner = client_for(club.owner)
    poll = PollFactory(club=club)
    BallotFactory(poll=poll)
    owner.get(polls_url(club))
    with django_assert_max_num_queries(12) as list_few:
        owner.get(polls_url(club))
    list_count = len(list_few)  # now: the next request clears the connection's query log
    with django_assert_max_num_queries(11) as detail_few:
        assert owner.get(f"/api/v1/polls/{poll.pk}/").status_code == 200
    detail_count = len(detail_few)
    for _ in range(12):
        more = PollFactory(club=club)
        BallotFactory.create_batch(3, poll=more)
    BallotFactory.create_batch(20, poll=poll)
    with django_assert_max_num_queries(list_count):
        assert owner.get(polls_url(club)).json()["count"] == 13
    with django_assert_max_num_queries(detail_count):
        assert owner.get(f"/api/v1/polls/{poll.pk}/").json()["voter_count"] == 21


def test_a_member_who_left_is_no_longer_a_voter():
    poll = PollFactory()
    member = ClubMemberFactory(club=poll.club)
    client = client_for(member.user)
    first = str(poll.options.order_by("position").first().pk)
    assert client.put(f"/api/v1/polls/{poll.pk}/vote/", {"options": [first]}, format="json").status_code == 200
    assert client.post(f"/api/v1/clubs/{poll.club_id}/leave/").status_code == 204
    response = client.put(f"/api/v1/polls/{poll.pk}/vote/", {"options": [first]}, format="json")
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "not_a_voter"


def test_a_poll_with_its_body_is_one_statement():
    """The poll, its club's visibility and the caller's role, its options and every ballot come
    from one statement (books/polls/sql.py), however many ballots it has."""
    poll = PollFactory()
    BallotFactory.create_batch(5, poll=poll)
    owner = client_for(poll.club.owner)
    owner.get(f"/api/v1/polls/{poll.pk}/")
    with CaptureQueriesContext(connection) as queries:
        assert owner.get(f"/api/v1/polls/{poll.pk}/").json()["voter_count"] == 5
    reads = [query["sql"] for query in queries.captured_queries if "poll" in query["sql"]]
    assert len(reads) == 1, reads
