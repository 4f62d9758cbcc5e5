"""`make soak`: mixed traffic for a bounded time while the app's database connections are killed.

    SOAK_SECONDS=300 SOAK_KILLS=4 SOAK_CLIENTS=16 python -m bench.soak

A fresh data set (database `bookwork_bench_soak`) is served by gunicorn with production settings
(worker recycling on). SOAK_CLIENTS threads send a weighted mix of reads, RSVP upserts and
deletes (many users on the same events, so seats and waitlists churn), and club join/leave.
SOAK_KILLS times, evenly spread, a background task runs `pg_terminate_backend` on every
connection of the app (application_name `bookwork`). Afterwards it prints the error rate (5xx
and connection failures) of requests overlapping a disruption window (from the kill to 3 s after
it, so requests in flight at the kill count as disrupted) and of all others, then checks
in the database: no event over capacity, attendees equal to the seated RSVPs, waitlist positions
1..n, no waitlist while seats are free, no club above max_members.

Exit status: 0 when every invariant holds, no request failed outside a disruption window and no
read (GET) failed inside one (reads whose connection is killed are retried, bookwork/db_retry.py);
1 when an invariant is broken; 2 when requests failed outside the disruption windows; 3 when a
read failed inside one.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from bench import common
from bench.common import ROOT, WORK, Server, Size, log
from bench.invariants import LIVE_INVARIANTS, check_invariants

SECONDS = int(os.environ.get("SOAK_SECONDS", "300"))
KILLS = int(os.environ.get("SOAK_KILLS", "4"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "16"))
WINDOW = 3.0
DATABASE = os.environ.get("SOAK_DATABASE", "bookwork_bench_soak")
POOLS = WORK / "soak"
SOAK_SIZE = Size(users=2_000, clubs=100, events=2_000, rsvps=20_000)
MIX = {  # pool -> weight
    "event_detail": 14,
    "availability_summary": 10,
    "club_events": 8,
    "my_clubs": 6,
    "item_list": 6,
    "ics_export": 4,
    "rsvp_upsert": 30,
    "rsvp_delete": 10,
    "join_leave": 8,
}


@dataclass
class Tally:
    total: int = 0
    failed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, failed: bool) -> None:
        self.total += 1
        self.failed += failed
        self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def rate(self) -> float:
        return self.failed / self.total if self.total else 0.0


def _pools(public_clubs: list[str]) -> dict[str, list[tuple[str, str, str | None, dict | None]]]:
    pools: dict[str, list] = {}
    for name in MIX:
        path = POOLS / f"{name}.tsv"
        if path.exists():
            pools[name] = []
            for line in path.read_text().splitlines():
                method, url, token, body = line.split("\t")
                pools[name].append(
                    (method, url, None if token == "-" else token, None if body == "-" else json.loads(body))
                )
    tokens = sorted({token for _, _, token, _ in pools["my_clubs"] if token})
    pools["rsvp_delete"] = [("DELETE", url, token, None) for _, url, token, _ in pools["rsvp_upsert"]]
    rng = random.Random(3)
    pools["join_leave"] = [
        ("POST", f"/api/v1/clubs/{club}/{rng.choice(['join', 'join', 'leave'])}/", rng.choice(tokens), None)
        for club in public_clubs
        for _ in range(20)
    ]
    return pools


def main() -> int:
    log(f"soak: {SECONDS} s, {CLIENTS} clients, {KILLS} connection kills, database {DATABASE}")
    common.migrate(DATABASE)
    common.manage(
        DATABASE,
        "bench_seed",
        "--reset",
        f"--users={SOAK_SIZE.users}",
        f"--clubs={SOAK_SIZE.clubs}",
        f"--events={SOAK_SIZE.events}",
        f"--rsvps={SOAK_SIZE.rsvps}",
        quiet=True,
    )
    subprocess.run(
        [common.PYTHON, "-m", "bench.prepare", str(POOLS), "--users=200"],
        cwd=ROOT,
        env=common.app_env(DATABASE),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    import psycopg

    with psycopg.connect(common.conninfo(DATABASE)) as conn:
        public_clubs = [str(r[0]) for r in conn.execute("SELECT id FROM clubs WHERE is_public ORDER BY id LIMIT 40")]
    pools = _pools(public_clubs)
    names, weights = zip(*[(n, w) for n, w in MIX.items() if pools.get(n)], strict=True)

    windows: list[tuple[float, float]] = []
    inside, outside = Tally(), Tally()
    inside_reads, inside_writes = Tally(), Tally()  # the disrupted requests, by kind
    lock = threading.Lock()
    stop = threading.Event()
    failures: list[str] = []

    with Server(
        DATABASE, log_name="gunicorn-soak", GUNICORN_MAX_REQUESTS=os.environ.get("GUNICORN_MAX_REQUESTS", "1000")
    ) as server:

        def client(seed: int) -> None:
            rng = random.Random(seed)
            while not stop.is_set():
                method, path, token, body = rng.choice(pools[rng.choices(names, weights)[0]])
                started = time.monotonic()
                try:
                    status, _ = common.http_json(method, server.base + path, body=body, token=token, timeout=15)
                    label, failed = str(status), status >= 500
                except OSError as error:
                    label, failed = type(error).__name__, True
                ended = time.monotonic()
                # A request counts as disrupted if it overlapped a window (in flight at the kill).
                in_window = any(started <= b and ended >= a for a, b in windows)
                with lock:
                    (inside if in_window else outside).add(label, failed)
                    if in_window:
                        (inside_reads if method in ("GET", "HEAD") else inside_writes).add(label, failed)
                    if failed and not in_window and len(failures) < 20:
                        failures.append(f"{method} {path} -> {label}")

        def disruptor() -> None:
            for k in range(KILLS):
                if stop.wait(SECONDS / (KILLS + 1)):
                    return
                with psycopg.connect(common.conninfo("postgres"), autocommit=True) as conn:
                    started = time.monotonic()
                    windows.append((started, started + WINDOW))
                    killed = conn.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = %s AND application_name = 'bookwork' AND pid <> pg_backend_pid()",
                        [DATABASE],
                    ).fetchone()[0]
                log(f"disruption {k + 1}/{KILLS}: terminated {killed} app connections")

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
        killer = threading.Thread(target=disruptor, daemon=True)
        for thread in threads:
            thread.start()
        killer.start()
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            time.sleep(min(30, max(0.1, deadline - time.monotonic())))
            with lock:
                log(
                    f"{outside.total + inside.total:,} requests, failed outside/inside windows: "
                    f"{outside.failed}/{inside.failed}"
                )
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        killer.join(timeout=5)

    with psycopg.connect(common.conninfo(DATABASE)) as conn, conn.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        violations = check_invariants(cursor, LIVE_INVARIANTS)

    report = {
        "seconds": SECONDS,
        "clients": CLIENTS,
        "kills": len(windows),
        "requests": inside.total + outside.total,
        "inside_windows": {
            "requests": inside.total,
            "failed": inside.failed,
            "error_rate": round(inside.rate, 4),
            "statuses": inside.statuses,
            # Reads are retried once on a new connection (bookwork/db_retry.py); writes that may
            # have reached the server answer 503 with Retry-After.
            "reads": {"requests": inside_reads.total, "failed": inside_reads.failed, "statuses": inside_reads.statuses},
            "writes": {
                "requests": inside_writes.total,
                "failed": inside_writes.failed,
                "statuses": inside_writes.statuses,
            },
        },
        "outside_windows": {
            "requests": outside.total,
            "failed": outside.failed,
            "error_rate": round(outside.rate, 4),
            "statuses": outside.statuses,
        },
        "first_failures_outside": failures,
        "invariants": violations,
    }
    (common.RESULTS / "soak-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    broken = {name: n for name, n in violations.items() if n}
    if broken:
        log(f"INVARIANTS BROKEN: {broken}; the queries are bench.invariants.INVARIANT_QUERIES")
        return 1
    log(
        f"invariants hold; error rate in disruption windows {inside.rate:.2%} (failed reads {inside_reads.failed}"
        f" of {inside_reads.total}, writes {inside_writes.failed} of {inside_writes.total}), outside {outside.rate:.2%}"
    )
    if outside.failed:
        return 2
    return 3 if inside_reads.failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
