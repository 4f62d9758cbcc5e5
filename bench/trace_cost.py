"""The cost of tracing per request, in instructions: counted by valgrind, so it does not move with
the machine's load the way CPU time does (a shared 2-vCPU machine moves that by 50% run to run).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bookwork_bench_u10000_e100000 \\
    DEBUG=false SECRET_KEY=<50+ chars> SECURE_SSL_REDIRECT=false LOG_LEVEL=WARNING \\
    REDIS_URL=redis://127.0.0.1:6379/7 THROTTLE_RATES=user=1000000/min \\
    .venv/bin/python -m bench.trace_cost [--only event_304 --only club_events] [--n 200] [--ratio 0.1]

For each endpoint of bench/profile_requests.py (the same member, requests and Django test client,
plus the connection health check that gunicorn's requests run and the test client skips: a
`SELECT 1` before the first query, which is not a span: core/tracing.py) and each of
three modes:

- off: tracing not installed (as with no OTEL_EXPORTER_OTLP_ENDPOINT);
- unsampled: installed as a deployment installs it (core/tracing.install_from_env, OTLP/HTTP to a
  loopback receiver in this process) with `parentbased_traceidratio` at 0: every request has its
  span and ids, none is recorded;
- sampled: the same at 1: every request recorded, its spans encoded and exported in batches of
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE (512), the export counted (the child flushes before it exits);

it runs a child process under `valgrind --tool=cachegrind` twice, sending 20 + 50 and 20 + 50 + n
requests, and reports the difference in instructions divided by n: start-up and warm-up cancel
out. The child freezes the garbage collector's generations after warm-up, so a full collection of
Django's objects falling inside one window and not the other does not swing the figure (by some
100,000 instructions per request over 200 requests). The last column is the expected cost at
`--ratio`: unsampled + ratio x (sampled - unsampled).

About 5 minutes per endpoint (six children, two at a time).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import json
import os
import re
import shutil
import subprocess
import sys

MODES = {"off": None, "unsampled": "0", "sampled": "1"}
WARM_UP, FIRST = 20, 50
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(stderr: str) -> int:
    """The `I refs` total of cachegrind's summary."""
    (total,) = _REFS.findall(stderr)
    return int(total.replace(",", ""))


def at_ratio(unsampled: float, sampled: float, ratio: float) -> float:
    """Expected instructions per request when `ratio` of requests are sampled."""
    return unsampled + ratio * (sampled - unsampled)


def _child(mode: str, name: str, count: int) -> None:
    """Runs under valgrind: WARM_UP + `count` requests to endpoint `name` (ids from the parent)."""
    from bench import profile_requests

    profile_requests._setup()
    from django.db import close_old_connections

    from core import tracing

    if MODES[mode] is not None:
        os.environ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio"
        os.environ["OTEL_TRACES_SAMPLER_ARG"] = MODES[mode]
        os.environ["OTEL_SDK_DISABLED"] = "false"
        # Export by full batches only (and at exit), not every 5 s as well: under valgrind a run
        # takes minutes, and the number of timed exports would differ between the two runs.
        os.environ["OTEL_BSP_SCHEDULE_DELAY"] = "3600000"
        assert tracing.install_from_env()
    ids = json.loads(os.environ["TRACE_COST_IDS"])
    send = profile_requests.sender(ids)
    (endpoint,) = [e for e in profile_requests._endpoints(ids) if e[0] == name]

    def request() -> None:
        # What gunicorn's request_started does and Django's test client skips: the connection's
        # health check is due again, so the request's first query is preceded by a `SELECT 1`.
        close_old_connections()
        send(*endpoint)

    for _ in range(WARM_UP):
        request()
    gc.collect()
    gc.freeze()
    for _ in range(count):
        request()
    tracing.shutdown()


def _count(mode: str, name: str, count: int, env: dict[str, str]) -> int:
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    command += [sys.executable, "-m", "bench.trace_cost", "--child", mode, name, str(count)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} {name}: exit {done.returncode}\n{done.stderr[-3000:]}")
    return instructions(done.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", metavar="NAME", action="append", help="endpoints (default: event_304)")
    parser.add_argument("--n", type=int, default=200, help="requests counted per endpoint and mode")
    parser.add_argument("--ratio", type=float, default=0.1, help="sampling ratio of the last column")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "NAME", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("bench.trace_cost needs valgrind: apt-get install -y valgrind")

    from bench import profile_requests
    from bench.otlp_sink import OtlpSink

    profile_requests._setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # choosing the subjects scans the data set once
    ids = {key: str(value) for key, value in profile_requests._subjects().items()}
    names = args.only or ["event_304"]
    with OtlpSink() as sink, concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        # A fixed hash seed: dicts and sets lay out alike in every child (it moved "off" by 1.4%).
        env = dict(os.environ, TRACE_COST_IDS=json.dumps(ids), OTEL_EXPORTER_OTLP_ENDPOINT=sink.endpoint)
        env["PYTHONHASHSEED"] = "0"
        # Under valgrind a child runs for minutes: its connection must not reach DB_CONN_MAX_AGE
        # and reconnect inside one run and not the other.
        env["DB_CONN_MAX_AGE"] = "86400"
        jobs = {
            (name, mode, count): pool.submit(_count, mode, name, FIRST + count, env)
            for name in names
            for mode in MODES
            for count in (0, args.n)
        }
        per_request = {
            (name, mode): (jobs[name, mode, args.n].result() - jobs[name, mode, 0].result()) / args.n
            for name in names
            for mode in MODES
        }
    print(f"instructions per request (valgrind), {args.n} requests; + is against off")
    print(f"{'endpoint':<18} {'off':>11} {'unsampled':>17} {'sampled':>17} {f'at {args.ratio:g}':>17}")
    for name in names:
        off, unsampled, sampled = (per_request[name, mode] for mode in MODES)
        mixed = at_ratio(unsampled, sampled, args.ratio)
        cells = [f"{value:>9,.0f} {value / off - 1:+6.1%}" for value in (unsampled, sampled, mixed)]
        print(f"{name:<18} {off:>11,.0f} " + " ".join(f"{cell:>17}" for cell in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
