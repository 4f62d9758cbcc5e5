"""Request pools for the load scenarios, drawn from a seeded bench database.

    DATABASE_URL=... SECRET_KEY=... python -m bench.prepare OUT_DIR [--users 300]

Writes, for each scenario, `OUT_DIR/<scenario>.tsv` (lines of `METHOD, PATH, TOKEN, BODY` for
bench/scenario.lua; TOKEN is an access token or `session:<key>` for the web pages, whose
sessions are created in-process like the tokens) and `OUT_DIR/contention.json` (one fresh event with 10 seats in a club of
101 members, and access tokens of the 100 members who will race for it). Tokens are minted
in-process with the server's SECRET_KEY (a login costs an Argon2 hash; 400 of them would take
longer than the scenarios). The contention club is recreated on every run, so its event starts
with no RSVPs. Setup rows are written directly, like the test factories; everything the
scenarios measure goes through the API.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
from pathlib import Path

CONTENTION_CLUB = "bench-contention"
CONTENTION_CLIENTS = 100
CONTENTION_SEATS = 10
READ_SCENARIOS = (
    "my_clubs",
    "club_events",
    "event_detail",
    "availability_summary",
    "item_list",
    "ics_export",
    "calendar_feed_304",
    "calendar_feed",
    "my_notifications",
    "poll_detail",
    "members_list",
    "event_revalidate",
    "web_home",
    "web_meeting",
)
# Each scenario's title in the results' table.
TITLES = {
    "login": "login (POST auth/login, Argon2)",
    "my_clubs": "list my clubs",
    "club_events": "list a club's events",
    "event_detail": "event detail",
    "availability_summary": "availability summary",
    "item_list": "item list",
    "ics_export": ".ics export",
    "calendar_feed_304": "calendar feed, 304 (If-None-Match)",
    "calendar_feed": "calendar feed, full (~50 events)",
    "my_notifications": "list my notifications",
    "poll_detail": "view a poll (ranked, with ballots)",
    "members_list": "list a club's members",
    "event_revalidate": "revalidate an event (If-None-Match, 304)",
    "web_home": "web: member home page (session cookie)",
    "web_meeting": "web: meeting page (session cookie)",
    "rsvp_upsert": "RSVP upsert (many events)",
    "rsvp_contention": "RSVP contention (100 on 10 seats)",
    "healthz": "GET /healthz (HTTP floor)",
    "pgbench": "pgbench -S (database floor)",
}
# The TOKEN column of a line: an access token (sent as `Authorization: Bearer`), or, for the web
# pages, this prefix and a session key (sent as the session cookie), or, for the calendar feed's
# conditional GET, ETAG_PREFIX and the ETag (sent as If-None-Match; the feed needs no token), or an
# access token, ETAG_SEPARATOR and an ETag for an API revalidation (both headers).
SESSION_PREFIX = "session:"
ETAG_PREFIX = "etag:"
ETAG_SEPARATOR = ";" + ETAG_PREFIX
FEED_EVENTS = 50  # the size of the calendar feeds measured


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwork.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def _line(method: str, path: str, token: str | None = None, body: dict | None = None) -> str:
    return f"{method}\t{path}\t{token or '-'}\t{json.dumps(body) if body is not None else '-'}\n"


def prepare(out_dir: Path, *, users: int, password: str, seed: int = 7) -> dict:
    from django.db import connection

    from accounts.models import User
    from accounts.tokens import access_token_for

    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute(
            """
            SELECT u.id FROM users u
            WHERE u.is_active AND u.email LIKE 'reader%%'
              AND EXISTS (SELECT 1 FROM club_members m WHERE m.user_id = u.id AND m.is_active)
            ORDER BY md5(u.id::text) LIMIT %s
            """,
            [users],
        )
        user_ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            """
            SELECT m.user_id, m.club_id, e.id, e.event_date >= CURRENT_DATE
            FROM club_members m
            JOIN clubs c ON c.id = m.club_id AND c.name <> %s
            CROSS JOIN LATERAL (
                (SELECT id, event_date FROM events WHERE club_id = m.club_id ORDER BY md5(id::text || m.user_id::text)
                 LIMIT 4)
                UNION ALL
                (SELECT id, event_date FROM events WHERE club_id = m.club_id AND event_date > CURRENT_DATE
                 ORDER BY md5(id::text || m.user_id::text) LIMIT 4)
            ) e
            WHERE m.user_id = ANY (%s) AND m.is_active
            """,
            [CONTENTION_CLUB, user_ids],
        )
        rows = cursor.fetchall()
        cursor.execute("RESET statement_timeout")

    users = list(User.objects.filter(id__in=user_ids))
    tokens = {user.id: access_token_for(user) for user in users}
    sessions = {user.id: SESSION_PREFIX + web_session_for(user) for user in users}
    emails = dict(User.objects.filter(id__in=user_ids).values_list("id", "email"))
    clubs = sorted({(u, c) for u, c, _, _ in rows})
    events = sorted({(u, e) for u, _, e, _ in rows})
    future = sorted({(u, e) for u, _, e, upcoming in rows if upcoming})
    if not events or not future:
        raise SystemExit("bench.prepare: the database has no events to measure; run bench_seed first")
    polls = club_polls([c for _, c in clubs])
    if not polls:
        raise SystemExit("bench.prepare: the database has no polls to measure; run bench_seed first")

    pools: dict[str, list[str]] = {
        "login": [
            _line("POST", "/api/v1/auth/login/", None, {"email": emails[u], "password": password}) for u in user_ids
        ],
        "my_clubs": [_line("GET", "/api/v1/clubs/?member=me", tokens[u]) for u in user_ids],
        "club_events": [_line("GET", f"/api/v1/clubs/{c}/events/", tokens[u]) for u, c in clubs],
        "event_detail": [_line("GET", f"/api/v1/events/{e}/", tokens[u]) for u, e in events],
        "availability_summary": [_line("GET", f"/api/v1/events/{e}/availability/", tokens[u]) for u, e in events],
        "item_list": [_line("GET", f"/api/v1/events/{e}/items/", tokens[u]) for u, e in events],
        "ics_export": [_line("GET", f"/api/v1/events/{e}/calendar.ics", tokens[u]) for u, e in events],
        # The inbox as an app polls it: the first page, and now and then the unread ones only.
        "my_notifications": [_line("GET", "/api/v1/notifications/", tokens[u]) for u in user_ids]
        + [_line("GET", "/api/v1/notifications/?unread=true", tokens[u]) for u in user_ids[::4]],
        # A member opening their club's poll (ranked, results visible, up to 40 ballots).
        "poll_detail": [_line("GET", f"/api/v1/polls/{polls[c]}/", tokens[u]) for u, c in clubs if c in polls],
        # A club's first page of members (contacts as the member may see them).
        "members_list": [_line("GET", f"/api/v1/clubs/{c}/members/", tokens[u]) for u, c in clubs],
        # An app revalidating an event it holds: If-None-Match with the ETag it was given (304).
        "event_revalidate": revalidations([(f"/api/v1/events/{e}/", tokens[u]) for u, e in events[:600]]),
        "web_home": [_line("GET", "/", sessions[u]) for u in user_ids],
        "web_meeting": [_line("GET", f"/meetings/{e}/", sessions[u]) for u, e in events],
        "rsvp_upsert": [
            _line(
                "PUT",
                f"/api/v1/events/{e}/availability/me/",
                tokens[u],
                {"status": rng.choice(["available", "available", "maybe", "unavailable"])},
            )
            for u, e in future
            for _ in range(3)
        ],
        "healthz": [_line("GET", "/healthz")],
    }
    contention = prepare_contention()
    # After the contention club (its members are readers too): the ETags must be those of the run.
    feeds, feed_sizes = calendar_feed_pools(user_ids)
    pools.update(feeds)
    for name, lines in pools.items():
        rng.shuffle(lines)
        (out_dir / f"{name}.tsv").write_text("".join(lines))

    (out_dir / "contention.json").write_text(json.dumps(contention))
    summary = {"users": len(user_ids), "pools": {name: len(lines) for name, lines in pools.items()}}
    return {**summary, "feed_events": feed_sizes[len(feed_sizes) // 2] if feed_sizes else None}


def revalidations(requests: list[tuple[str, str]]) -> list[str]:
    """Conditional GETs of `(path, token)`: each with the ETag the API gives that caller now,
    fetched in-process through the whole stack (Django's test client). Empty when the API answers
    without ETags (bench.run then skips the scenario)."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    lines = []
    for path, token in requests:
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code != 200:
            raise SystemExit(f"bench.prepare: GET {path} answered {response.status_code}")
        if etag := response.headers.get("ETag"):
            lines.append(_line("GET", path, token + ETAG_SEPARATOR + etag))
    return lines


def club_polls(club_ids) -> dict:
    """Club id -> the id of one of its polls (the newest), for the clubs that have one."""
    from books.polls.models import Poll

    found: dict = {}
    for club_id, poll_id in (
        Poll.objects.filter(club_id__in=set(club_ids))
        .order_by("club_id", "-created_at", "id")
        .values_list("club_id", "id")
    ):
        found.setdefault(club_id, poll_id)
    return found


def calendar_feed_pools(user_ids: list) -> tuple[dict[str, list[str]], list[int]]:
    """The feeds closest to FEED_EVENTS events, in full and as calendar clients poll them
    (If-None-Match with the current ETag: 304): of each user, the feed of every event of their
    clubs (`?all=true`) or of the events they answered, whichever size is closer (on the larger
    data set every `?all=true` feed holds hundreds; answered ones come near the size). Also the
    sizes of the feeds chosen, for the run's report."""
    from accounts.feeds import calendar_feed_token
    from accounts.models import User
    from events.feed import feed_version

    feeds = []
    for user in User.objects.filter(id__in=user_ids):
        token = calendar_feed_token(user=user)
        for every, query in ((True, "?all=true"), (False, "")):
            etag, _, event_ids = feed_version(token=token, every_event=every)
            feeds.append((abs(len(event_ids) - FEED_EVENTS), len(event_ids), f"/calendar/{token}.ics{query}", etag))
    chosen = sorted(feeds)[:40]
    pools = {
        "calendar_feed": [_line("GET", path) for _, _, path, _ in chosen],
        "calendar_feed_304": [_line("GET", path, ETAG_PREFIX + etag) for _, _, path, etag in chosen],
    }
    return pools, sorted(size for _, size, _, _ in chosen)


def web_session_for(user) -> str:
    """The key of a new signed-in web session of `user`, stored like one that signed in (the
    configured session engine, `web.sessions`), for the cookie the web scenarios send."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def prepare_contention() -> dict:
    """A fresh club of 101 members (owner + 100) with one future event of 10 seats and no RSVPs."""
    from django.db import transaction

    from accounts.models import User
    from accounts.tokens import access_token_for
    from clubs.models import Club, ClubMember, ClubRole
    from events.models import Event

    with transaction.atomic():
        Club.objects.filter(name=CONTENTION_CLUB).delete()
        members = list(
            User.objects.filter(is_active=True, email__startswith="reader").order_by("email")[: CONTENTION_CLIENTS + 1]
        )
        if len(members) < CONTENTION_CLIENTS + 1:
            raise SystemExit(f"bench.prepare: contention needs {CONTENTION_CLIENTS + 1} active users")
        owner, racers = members[0], members[1:]
        club = Club.objects.create(
            name=CONTENTION_CLUB, description="Load-test club", owner=owner, is_public=False, tags=["bench"]
        )
        ClubMember.objects.bulk_create(
            [ClubMember(club=club, user=owner, role=ClubRole.ADMIN)]
            + [ClubMember(club=club, user=user, role=ClubRole.MEMBER) for user in racers]
        )
        event = Event.objects.create(
            club=club,
            title="Ten seats, a hundred readers",
            event_date=dt.date.today() + dt.timedelta(days=30),
            event_time=dt.time(19, 0),
            location="Loopback",
            max_attendees=CONTENTION_SEATS,
            created_by=owner,
        )
    return {
        "event_id": str(event.id),
        "seats": CONTENTION_SEATS,
        "tokens": [access_token_for(user) for user in racers],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--password", default="bench-password-2026")
    args = parser.parse_args()
    _setup_django()
    summary = prepare(args.out_dir, users=args.users, password=args.password)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
