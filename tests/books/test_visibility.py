"""The results rule of a poll (`visible | after_vote | after_close`) for every role, open and
closed: `votes` and `winner` are null while the rule hides them; `my_vote` and `voter_count`
are always there."""

from __future__ import annotations

import pytest
from django.utils import timezone

from books.polls.models import PollResults, PollStatus
from tests.clubs.conftest import ROLES, build_world
from tests.conftest import client_for
from tests.factories import BallotFactory, PollFactory

pytestmark = pytest.mark.django_db

VOTERS = ("member", "moderator", "admin", "owner")


def shown(body) -> bool:
    votes = [option["votes"] for option in body["options"]]
    assert all(v is None for v in votes) or all(v is not None for v in votes)
    return votes[0] is not None


@pytest.mark.parametrize("rule", list(PollResults.values))
@pytest.mark.parametrize("closed", [False, True], ids=["open", "closed"])
@pytest.mark.parametrize("voted", [False, True], ids=["not_voted", "voted"])
def test_results_rule(rule, closed, voted):
    world = build_world(is_public=True)
    poll = PollFactory(club=world.club, results=rule)
    first = poll.options.order_by("position").first()
    BallotFactory(poll=poll, choices=[first.pk])  # someone else's ballot
    if voted:
        for role in VOTERS:
            BallotFactory(poll=poll, user=world.users[role], choices=[first.pk])
    if closed:
        poll.status, poll.closed_at, poll.winner = PollStatus.CLOSED, timezone.now(), first
        poll.save()
    for role in ROLES:
        body = client_for(world.users[role]).get(f"/api/v1/polls/{poll.pk}/").json()
        has_ballot = voted and role in VOTERS
        want = closed or rule == PollResults.VISIBLE or (rule == PollResults.AFTER_VOTE and has_ballot)
        assert shown(body) is want, (rule, closed, voted, role)
        assert body["winner"] == (str(first.pk) if closed else None), (rule, closed, role)
        assert body["voter_count"] == 1 + (len(VOTERS) if voted else 0)
        assert body["my_vote"] == ([str(first.pk)] if has_ballot else None)
        if want:
            assert body["options"][0]["votes"] == body["voter_count"]


def test_a_private_clubs_poll_is_404_to_outsiders():
    world = build_world(is_public=False)
    poll = PollFactory(club=world.club)
    for path in ("", "vote/", "close/"):
        method = "get" if not path else ("put" if path == "vote/" else "post")
        response = getattr(client_for(world.users["outsider"]), method)(
            f"/api/v1/polls/{poll.pk}/{path}", {}, format="json"
        )
        assert response.status_code == 404
    assert client_for(world.users["outsider"]).get(f"/api/v1/clubs/{world.club.pk}/polls/").status_code == 404
