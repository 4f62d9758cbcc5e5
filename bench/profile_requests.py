"""CPU cost per request of the hot endpoints, measured in-process (no HTTP, no other processes).

    DEBUG=false SECRET_KEY=<60 chars> SECURE_SSL_REDIRECT=false LOG_LEVEL=WARNING \
    DATABASE_URL=postgres://postgres@%2Fwork%2Fmain%2F.data%2Fpg/bookwork_bench_u2000_e10000 \
    REDIS_URL=redis://127.0.0.1:6379/7 THROTTLE_RATES=user=1000000/min \
    DJANGO_SETTINGS_MODULE=bookwork.settings PYTHONPATH=. \
    .venv/bin/python -m bench.profile_requests [--n 300] [--save-baseline] [--profile NAME]

Signs in as an active member of a club (token minted with `accounts.tokens.access_token_for`),
sends each request `--n` times through Django's test client (the whole middleware, DRF, ORM
and rendering stack, against the real bench database) and prints the median
`time.process_time()` per request: CPU of this process only, so other load on the machine does
not distort it (SQL time inside PostgreSQL is not counted; its wire and parsing cost is). Each
response body is compared with `bench/results/profile-baseline.json` (volatile fields such as
`updated_at` of the RSVP written by the upsert and the `.ics` DTSTAMP are masked), so an
optimisation that changes any answer shows up as `DIFF`. `--save-baseline` writes that file;
`--profile NAME` prints a cProfile of one endpoint instead. The `calls/req` column is the number
of Python function calls per request (cProfile over 50 requests): deterministic, so it shows a
change in the per-request work even on a loaded machine where the CPU times swing. `/healthz`
(no authentication, no DRF) is the floor every other line is read against.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

BASELINE = Path(__file__).resolve().parent / "results" / "profile-baseline.json"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bookwork.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def _subjects() -> dict:
    """A deterministic member, one of their clubs, a past event with RSVPs and items, a future event."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT m.user_id, m.club_id, e.id
            FROM club_members m
            JOIN users u ON u.id = m.user_id AND u.is_active AND u.email LIKE 'reader%%'
            JOIN events e ON e.club_id = m.club_id
            WHERE m.is_active AND m.role = 'member'
              AND (SELECT count(*) FROM event_items i WHERE i.event_id = e.id) >= 2
              AND (SELECT count(*) FROM availability a WHERE a.event_id = e.id) >= 5
              AND EXISTS (SELECT 1 FROM events f WHERE f.club_id = m.club_id AND f.event_date > now()::date)
            ORDER BY md5(m.user_id::text || e.id::text) LIMIT 1
            """
        )
        user_id, club_id, event_id = cursor.fetchone()
        cursor.execute(
            "SELECT id FROM events WHERE club_id = %s AND event_date > now()::date ORDER BY event_date, id LIMIT 1",
            [club_id],
        )
        (future_id,) = cursor.fetchone()
        cursor.execute("SELECT id FROM polls WHERE club_id = %s ORDER BY created_at, id LIMIT 1", [club_id])
        poll = cursor.fetchone()
    return {"user": user_id, "club": club_id, "event": event_id, "future": future_id, "poll": poll and poll[0]}


def _endpoints(ids: dict) -> list[tuple[str, str, str, dict | None]]:
    """(name, method, path, JSON body); a name starting `web_` is sent with the member's session
    cookie instead of the bearer token, one ending `_304` with the `If-None-Match` of the ETag its
    first answer carried (a revalidation: every answer a 304)."""
    e, c, f = ids["event"], ids["club"], ids["future"]
    return [
        ("healthz", "GET", "/healthz", None),
        ("me", "GET", "/api/v1/auth/me/", None),
        ("clubs_member_me", "GET", "/api/v1/clubs/?member=me", None),
        ("club_events", "GET", f"/api/v1/clubs/{c}/events/", None),
        ("members", "GET", f"/api/v1/clubs/{c}/members/", None),
        ("events", "GET", "/api/v1/events/", None),
        ("event_detail", "GET", f"/api/v1/events/{e}/", None),
        ("event_304", "GET", f"/api/v1/events/{e}/", None),
        ("availability", "GET", f"/api/v1/events/{e}/availability/", None),
        ("items", "GET", f"/api/v1/events/{e}/items/", None),
        ("ics", "GET", f"/api/v1/events/{e}/calendar.ics", None),
        ("rsvp_upsert", "PUT", f"/api/v1/events/{f}/availability/me/", {"status": "maybe", "notes": "perf"}),
        ("notifications", "GET", "/api/v1/notifications/", None),
        ("poll", "GET", f"/api/v1/polls/{ids['poll']}/", None),
        ("feed", "GET", f"/calendar/{ids['feed']}.ics?all=true", None),
        ("web_home", "GET", "/", None),
        ("web_meeting", "GET", f"/meetings/{e}/", None),
    ]


def sender(ids: dict) -> Callable[[str, str, str, dict | None], object]:
    """`send(name, method, path, body)` for `_endpoints(ids)`, signed in as `ids["user"]` (adds
    `ids["feed"]`, the user's calendar feed token)."""
    from django.test import Client

    from accounts.feeds import calendar_feed_token
    from accounts.models import User
    from accounts.tokens import access_token_for

    user = User.objects.get(pk=ids["user"])
    ids["feed"] = calendar_feed_token(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    browser = Client()
    browser.force_login(user)
    tags: dict[str, str] = {}

    def send(name: str, method: str, path: str, body: dict | None):
        if name.startswith("web_"):
            return browser.get(path)
        if name.endswith("_304"):
            if name not in tags:
                tags[name] = client.get(path)["ETag"]
            return client.get(path, HTTP_IF_NONE_MATCH=tags[name])
        if method == "GET":
            return client.get(path)
        return client.generic(method, path, json.dumps(body), content_type="application/json")

    return send


def _normalise(name: str, response) -> object:
    body = response.content.decode()
    if name.endswith("_304"):
        return {"status": response.status_code, "etag": bool(response.get("ETag"))}
    if name in ("ics", "feed"):
        return re.sub(r"DTSTAMP:\S+", "DTSTAMP:*", body)
    if name.startswith("web_"):
        # Per-request secrets of a page: the CSRF token and the CSP nonce.
        return re.sub(r'(csrfmiddlewaretoken" value|nonce)="[^"]*"', r'\1="*"', body)
    data = json.loads(body) if body else None
    if name == "rsvp_upsert" and isinstance(data, dict):
        data["updated_at"] = "*"
    return {"status": response.status_code, "body": data}


def _calls_per_request(send, n: int = 50) -> float:
    """Python function calls (primitive and recursive) per request, counted by cProfile."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        send()
    profiler.disable()
    return pstats.Stats(profiler).total_calls / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="requests per endpoint (after 20 warm-up)")
    parser.add_argument("--save-baseline", action="store_true")
    parser.add_argument("--profile", metavar="NAME", help="cProfile one endpoint and print the top functions")
    parser.add_argument("--only", metavar="NAME", action="append", help="measure only these endpoints")
    args = parser.parse_args()
    _setup()

    ids = _subjects()
    send = sender(ids)
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    bodies: dict[str, object] = {}
    print(f"user {ids['user']} club {ids['club']} event {ids['event']} future event {ids['future']}")
    print(f"{'endpoint':<18} {'CPU ms/req':>10} {'calls/req':>9} {'status':>6}  body")
    for name, method, path, body in _endpoints(ids):
        if args.only and name not in args.only:
            continue
        for _ in range(20):
            response = send(name, method, path, body)
        if args.profile == name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.n):
                send(name, method, path, body)
            profiler.disable()
            if os.environ.get("PROFILE_DUMP"):
                profiler.dump_stats(os.environ["PROFILE_DUMP"])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            continue
        samples = []
        for _ in range(args.n):
            started = time.process_time()
            response = send(name, method, path, body)
            samples.append(time.process_time() - started)
        bodies[name] = _normalise(name, response)
        verdict = "-" if name not in baseline else ("same" if baseline[name] == bodies[name] else "DIFF")
        calls = _calls_per_request(lambda n=name, m=method, p=path, b=body: send(n, m, p, b))
        cpu = statistics.median(samples) * 1000
        print(f"{name:<18} {cpu:>10.2f} {calls:>9.0f} {response.status_code:>6}  {verdict}")
    if args.save_baseline:
        BASELINE.parent.mkdir(parents=True, exist_ok=True)
        BASELINE.write_text(json.dumps(bodies, indent=1, sort_keys=True))
        print(f"baseline written to {BASELINE}")
    return 1 if any(name in baseline and baseline[name] != value for name, value in bodies.items()) else 0


if __name__ == "__main__":
    sys.exit(main())
