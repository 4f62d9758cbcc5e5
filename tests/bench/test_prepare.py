"""`bench.prepare` writes request pools that work: the web scenarios' session cookies sign the
member in, and every line of the web pools answers 200 with the member's page (as wrk would see)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from bench.prepare import READ_SCENARIOS, SESSION_PREFIX, prepare
from clubs.models import Club
from web.models import WebSession

pytestmark = pytest.mark.django_db


def _requests(path) -> list[tuple[str, str, str, str]]:
    return [tuple(line.split("\t")) for line in path.read_text().splitlines()]


def test_web_scenarios_are_signed_in_by_session_cookie(tmp_path):
    call_command("bench_seed", "--users=130", "--clubs=8", "--events=60", "--rsvps=400", stdout=StringIO())
    summary = prepare(tmp_path, users=12, password="unused")
    assert {"web_home", "web_meeting"} <= set(READ_SCENARIOS)
    assert summary["pools"]["web_home"] == summary["users"] == 12
    assert summary["pools"]["web_meeting"] > 0
    assert WebSession.objects.filter(user__isnull=False).count() == 12

    for scenario, marker in (("web_home", "Your clubs"), ("web_meeting", "Who's coming")):
        lines = _requests(tmp_path / f"{scenario}.tsv")
        for method, path, token, body in lines[:5]:
            assert (method, body) == ("GET", "-")
            assert token.startswith(SESSION_PREFIX)
            client = Client()
            client.cookies["sessionid"] = token.removeprefix(SESSION_PREFIX)
            response = client.get(path)
            assert response.status_code == 200, (scenario, path, response.status_code)
            assert marker in response.text
    # Without the cookie the same page is a redirect to sign in: the cookie is what signs in.
    method, path, _, _ = _requests(tmp_path / "web_meeting.tsv")[0]
    assert Client().get(path).status_code == 302


def test_poll_detail_scenario_reads_a_poll_of_the_members_club(tmp_path):
    call_command("bench_seed", "--users=130", "--clubs=8", "--events=60", "--rsvps=400", stdout=StringIO())
    summary = prepare(tmp_path, users=12, password="unused")
    # The seed keeps the app's rule: a club's current_book is the title of its one current book.
    for club in Club.objects.all():
        assert list(club.books.filter(status="current").values_list("title", flat=True)) == (
            [club.current_book] if club.current_book else []
        )
    assert "poll_detail" in READ_SCENARIOS and summary["pools"]["poll_detail"] > 0
    for _method, path, token, _body in _requests(tmp_path / "poll_detail.tsv")[:5]:
        response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, (path, response.content[:200])
        poll = response.json()
        assert poll["kind"] == "book" and poll["ranked"] and poll["voter_count"] > 0
        assert all(option["votes"] is not None for option in poll["options"])


def test_calendar_feed_scenarios_answer_the_full_feed_and_304(tmp_path):
    from bench.prepare import ETAG_PREFIX

    call_command("bench_seed", "--users=130", "--clubs=8", "--events=60", "--rsvps=400", stdout=StringIO())
    summary = prepare(tmp_path, users=12, password="unused")
    assert {"calendar_feed", "calendar_feed_304"} <= set(READ_SCENARIOS)
    full, conditional = _requests(tmp_path / "calendar_feed.tsv"), _requests(tmp_path / "calendar_feed_304.tsv")
    assert len(full) == len(conditional) > 0
    sizes = []
    for method, path, token, body in full:
        assert (method, token, body) == ("GET", "-", "-")
        response = Client().get(path)
        assert response.status_code == 200
        sizes.append(response.content.count(b"BEGIN:VEVENT"))
    # The reported size is the median number of events of the feeds the scenario requests.
    assert summary["feed_events"] == sorted(sizes)[len(sizes) // 2] > 0
    for _method, path, token, _ in conditional[:3]:
        assert token.startswith(ETAG_PREFIX)
        assert Client().get(path, HTTP_IF_NONE_MATCH=token.removeprefix(ETAG_PREFIX)).status_code == 304


def test_members_list_scenario_reads_the_members_of_the_callers_club(tmp_path):
    call_command("bench_seed", "--users=130", "--clubs=8", "--events=60", "--rsvps=400", stdout=StringIO())
    summary = prepare(tmp_path, users=12, password="unused")
    assert "members_list" in READ_SCENARIOS and summary["pools"]["members_list"] > 0
    for method, path, token, body in _requests(tmp_path / "members_list.tsv")[:5]:
        assert (method, body) == ("GET", "-") and path.endswith("/members/")
        response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200, (path, response.content[:200])
        assert response.json()["count"] > 0


def test_event_revalidation_scenario_sends_the_callers_current_etag(tmp_path):
    from bench.prepare import ETAG_SEPARATOR

    call_command("bench_seed", "--users=130", "--clubs=8", "--events=60", "--rsvps=400", stdout=StringIO())
    summary = prepare(tmp_path, users=12, password="unused")
    assert "event_revalidate" in READ_SCENARIOS and summary["pools"]["event_revalidate"] > 0
    for method, path, token, body in _requests(tmp_path / "event_revalidate.tsv")[:5]:
        assert (method, body) == ("GET", "-")
        bearer, etag = token.split(ETAG_SEPARATOR)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}
        assert Client().get(path, HTTP_IF_NONE_MATCH=etag, **auth).status_code == 304
        # Another tag is not the caller's current one: the full event.
        assert Client().get(path, HTTP_IF_NONE_MATCH='"other"', **auth).status_code == 200
