"""A read right after a committed write is fresh, whichever gunicorn worker answers it (issue 19,
docs/architecture.md "Versions, ETags and cached representations"): for each write path of the
API below, two workers first read (and cache, in their own memory or in the shared Redis) the
representations the write changes; the write goes through the server; then every one of the
reads that follow, spread over both workers by new connections, shows it and carries a new
ETag. The event detail and list with RSVPs: tests/events/test_conditional_commits.py."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection

from accounts.tokens import access_token_for
from tests.events.helpers import make_world
from tests.events.test_conditional_commits import _redis_up
from tests.factories import BookFactory
from tests.ops.servers import database_url, run_gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

READS = 10  # per check: new connections, so both workers answer some


def _call(server, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, str, dict]:
    status, headers, raw = server.request(method, path, headers={"Authorization": f"Bearer {token}"}, json_body=body)
    return status, headers.get("ETag", ""), json.loads(raw) if raw else {}


def _names(page: dict, key: str = "name") -> set:
    return {row[key] for row in page["results"]}


def _steps(world, book) -> list[tuple[str, str, str, dict, str, str, Callable[[dict], bool]]]:
    """(write role, method, path, body, read role, read path, is the read fresh?)."""
    club, event = world.club.pk, world.event.pk
    member = world.users["member"]
    return [
        ("admin", "PATCH", f"/api/v1/clubs/{club}/", {"name": "Renamed club"}, "member", f"/api/v1/clubs/{club}/",
         lambda body: body["name"] == "Renamed club"),
        ("admin", "PATCH", f"/api/v1/clubs/{club}/", {"name": "Listed club"}, "member", "/api/v1/clubs/?member=me",
         lambda page: "Listed club" in _names(page)),
        ("member", "POST", f"/api/v1/events/{event}/items/", {"name": "Lemonade"}, "moderator",
         f"/api/v1/events/{event}/items/", lambda page: "Lemonade" in _names(page)),
        ("admin", "PATCH", f"/api/v1/clubs/{club}/members/{member.pk}/", {"role": "moderator"}, "member",
         f"/api/v1/clubs/{club}/members/",
         lambda page: {row["role"] for row in page["results"] if row["user"]["id"] == str(member.pk)} == {"moderator"}),
        ("member", "PATCH", "/api/v1/auth/me/", {"name": "Renamed member"}, "moderator",
         f"/api/v1/clubs/{club}/members/",
         lambda page: "Renamed member" in {row["user"]["name"] for row in page["results"]}),
        ("member", "PUT", f"/api/v1/events/{event}/availability/me/", {"status": "maybe"}, "moderator",
         f"/api/v1/events/{event}/availability/", lambda body: body["summary"]["maybe"] == 1),
        ("admin", "PATCH", f"/api/v1/clubs/{club}/books/{book.pk}/", {"title": "A new title"}, "member",
         f"/api/v1/clubs/{club}/books/", lambda page: "A new title" in _names(page, "title")),
    ]  # fmt: skip


@pytest.mark.parametrize("redis", [False, True], ids=["memory", "redis"])
def test_every_write_is_seen_by_the_next_read_in_any_worker(tmp_path, redis):
    if redis and not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    world = make_world()
    book = BookFactory(club=world.club)
    tokens = {role: access_token_for(user) for role, user in world.users.items()}
    env = {"SECRET_KEY": settings.SECRET_KEY, "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "1"}
    env["REDIS_URL"] = os.environ.get("H19_TEST_REDIS_URL", "redis://127.0.0.1:6379/2") if redis else ""
    env["THROTTLE_RATES"] = "user=100000/min"
    with run_gunicorn(tmp_path, database_url(connection.settings_dict), **env) as server:
        for writer, method, path, body, reader, read_path, fresh in _steps(world, book):
            before = {_call(server, "GET", read_path, tokens[reader])[1] for _ in range(READS)}
            assert len(before) == 1, (read_path, "one version before the write")
            status, _, _ = _call(server, method, path, tokens[writer], body)
            assert status in (200, 201), (method, path, status)
            for _ in range(READS):
                status, tag, answer = _call(server, "GET", read_path, tokens[reader])
                assert status == 200 and tag not in before, (method, path, read_path)
                assert fresh(answer), (method, path, read_path, answer)
