"""The RSVP contention check of `make bench` (bench/run.py): 100 members race for the 10 seats of
one event at the same moment, through the API, and the database must end with exactly 10 seated."""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time

from bench import common
from bench.common import WORK, Server
from bench.prepare import CONTENTION_SEATS


def contention(server: Server, db_name: str) -> dict:
    """100 clients PUT `available` on one event with 10 seats at the same moment; then count seats
    in the database: exactly 10 seated, 90 waitlisted at positions 1..90, attendees == seated."""
    import psycopg

    spec = json.loads((WORK / "contention.json").read_text())
    url = f"{server.base}/api/v1/events/{spec['event_id']}/availability/me/"
    barrier = threading.Barrier(len(spec["tokens"]))

    def race(token: str) -> tuple[int, float]:
        barrier.wait()
        started = time.perf_counter()
        status, _ = common.http_json("PUT", url, body={"status": "available"}, token=token)
        return status, (time.perf_counter() - started) * 1000

    with concurrent.futures.ThreadPoolExecutor(len(spec["tokens"])) as pool:
        outcomes = list(pool.map(race, spec["tokens"]))
    latencies = sorted(ms for _, ms in outcomes)
    statuses: dict[str, int] = {}
    for status, _ in outcomes:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    with psycopg.connect(common.conninfo(db_name)) as conn:
        seated, waitlisted, positions_ok, attendees, max_attendees = conn.execute(
            """
            SELECT count(*) FILTER (WHERE a.status = 'available' AND NOT a.waitlisted),
                   count(*) FILTER (WHERE a.waitlisted),
                   COALESCE(array_agg(a.waitlist_position ORDER BY a.waitlist_position)
                            FILTER (WHERE a.waitlisted) = ARRAY(SELECT generate_series(1, count(*)
                            FILTER (WHERE a.waitlisted)::int)), true),
                   (SELECT cardinality(attendees) FROM events WHERE id = %s),
                   (SELECT max_attendees FROM events WHERE id = %s)
            FROM availability a WHERE a.event_id = %s
            """,
            [spec["event_id"]] * 3,
        ).fetchone()
        same_set = conn.execute(
            """
            SELECT ARRAY(SELECT unnest(attendees) ORDER BY 1) = ARRAY(
                SELECT user_id FROM availability WHERE event_id = %s AND status = 'available' AND NOT waitlisted
                ORDER BY 1)
            FROM events WHERE id = %s
            """,
            [spec["event_id"]] * 2,
        ).fetchone()[0]
    errors = sum(n for code, n in statuses.items() if not code.startswith("2"))
    ok = (
        seated == CONTENTION_SEATS
        and attendees == CONTENTION_SEATS
        and waitlisted == len(spec["tokens"]) - CONTENTION_SEATS
        and positions_ok
        and same_set
        and errors == 0
    )
    return {
        "clients": len(spec["tokens"]),
        "seats": max_attendees,
        "seated": seated,
        "attendees": attendees,
        "waitlisted": waitlisted,
        "waitlist_positions_1_to_n": positions_ok,
        "attendees_equal_seated": same_set,
        "statuses": statuses,
        "errors": errors,
        "p50_ms": round(latencies[len(latencies) // 2], 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "p99_ms": round(latencies[-1], 2),
        "ok": ok,
    }
