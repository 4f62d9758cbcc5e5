"""`make bench-ab AB=tracing|audit`: the cost of tracing or of the audit history, measured as an
interleaved A/B on one data set, so that the machine's drift cancels out.

    BENCH_TRACING_RATIO=0.1 python -m bench.ab tracing   # tracing off against on (10% sampled)
    python -m bench.ab audit                            # audit history's triggers on against off
    python -m bench.ab none                             # A/A: two identical servers
    python -m bench.ab pool bench/results/<run>.json ... # several runs of one of them, together

Two `make bench` runs one after the other (BENCH_TRACING=1, BENCH_AUDIT=off) differ by the cost
being measured and by whatever the machine did in between: on a 2-vCPU virtual machine `/healthz`
alone moved 12% between two runs ten minutes apart, as much as the 10% being judged. Here both arms
are ready at once and take turns on every scenario, in ABBA order (off, on, on, off, ...), each
turn `BENCH_DURATION` seconds (default 15) after a warm-up of each arm, so a slow minute weighs on
both. Per scenario the report gives each arm's mean req/s and mean p95 over its turns, each turn's
p95, and the ratio of the means (on / off); over all scenarios but `/healthz`, the geometric mean
of those ratios and how many are within 10% (`overall`).

- tracing: two gunicorn servers on the same database, the same settings, one with
  `OTEL_SDK_DISABLED=true` and one exporting over OTLP/HTTP to a loopback receiver in this process
  (bench/otlp_sink.py) with `parentbased_traceidratio` at BENCH_TRACING_RATIO (default 1: every
  request; a deployment samples, e.g. 0.1). Only one of them is loaded at a time.
- audit: one server; the "off" arm's turns run with the history's triggers disabled
  (bench/audit.py), the "on" arm's with them enabled.
- none: two identical untraced servers, "off" and "on" in name only. What this run reports is the
  harness's own spread on the machine: a ratio of the others is a cost only beyond it.

BENCH_ONLY and BENCH_QUICK (10,000 events instead of 100,000) as for `make bench`; BENCH_AB_ROUNDS
(default 2) is the number of ABBA half-cycles, so each arm gets that many turns per scenario.
Results: stdout, bench/results/<timestamp>-ab-<what>.json and .md. Exits 1 if a turn had errors
or a revalidation answered anything but 304; the 10% is reported, never enforced.

`pool` reads the JSON of several runs of one comparison (the same `what` and sampling ratio) and
prints, per scenario, each run's p95 ratio and their geometric mean, judged against the 10% as
one run's are, and `overall` over those means (`pooled`). On a shared 2-vCPU machine one run
moves a scenario's ratio by 10-20%, as much as the limit; the mean of n runs moves about
1/sqrt(n) as much, so it is the figure to judge a scenario by.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import audit, common, run
from bench.common import RESULTS, ROOT, Server, log
from bench.prepare import TITLES

ROUNDS = int(os.environ.get("BENCH_AB_ROUNDS", "2"))
LIMIT = 1.10  # on / off, p95: issue 18's "within 10%"
SIZE = run.LARGE


@dataclass(frozen=True)
class Arm:
    label: str
    server: Server
    # Entered around each of the arm's turns (the audit switch), else a no-op.
    turn: Callable[[], contextlib.AbstractContextManager]


def _tracing_env(endpoint: str) -> dict[str, str]:
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": str(run.TRACING_RATIO),
        "OTEL_SERVICE_NAME": "bookwork-bench",
    }


@contextlib.contextmanager
def arms(what: str) -> Iterator[tuple[list[Arm], Callable[[], dict]]]:
    """The two arms of `what`, servers up, and a function returning what the run should record
    about them (spans received)."""
    db = SIZE.db_name
    # Off means off, whatever the shell exports (core/tracing.configured).
    untraced = {"OTEL_SDK_DISABLED": "true"}
    if what == "none":
        with (
            Server(db, log_name="gunicorn-ab-first", **untraced) as first,
            Server(db, log_name="gunicorn-ab-second", **untraced) as second,
        ):
            yield [Arm("off", first, contextlib.nullcontext), Arm("on", second, contextlib.nullcontext)], dict
        return
    if what == "audit":
        with audit.audit_triggers(db, enabled=True), Server(db, log_name="gunicorn-ab-audit", **untraced) as server:
            yield (
                [
                    Arm("off", server, lambda: audit.audit_triggers(db, enabled=False, quiet=True)),
                    Arm("on", server, contextlib.nullcontext),
                ],
                dict,
            )
        return
    from bench.otlp_sink import OtlpSink

    with (
        OtlpSink() as sink,
        Server(db, log_name="gunicorn-ab-untraced", **untraced) as off,
        Server(db, log_name="gunicorn-ab-traced", **_tracing_env(sink.endpoint)) as on,
    ):
        yield (
            [Arm("off", off, contextlib.nullcontext), Arm("on", on, contextlib.nullcontext)],
            lambda: {"spans": sink.span_count, "exports": sink.requests, "ratio": run.TRACING_RATIO},
        )


def compare(scenario: str, pair: list[Arm]) -> dict:
    """ABBA turns of `scenario` on the two arms; each arm's turns and means, and the p95 ratio."""
    for arm in pair:
        with arm.turn():
            run.wrk(arm.server, scenario, run.WARMUP, record=False)
    turns: dict[str, list[dict]] = {arm.label: [] for arm in pair}
    duration = run.duration_of(scenario)
    for index in range(ROUNDS * 2):
        # off, on, on, off, off, on, ...: each arm goes first as often as second.
        arm = pair[(index + index // 2) % 2]
        with arm.turn():
            turns[arm.label].append(run.wrk(arm.server, scenario, duration))
    result: dict = {"turns": turns}
    for label, done in turns.items():
        result[label] = {
            "rps": round(statistics.fmean(t["rps"] for t in done), 1),
            "p95_ms": round(statistics.fmean(t["p95_ms"] for t in done), 2),
            "errors": sum(t["errors"] for t in done),
            "statuses": sorted({code for t in done for code in t["statuses"]}),
        }
    result["p95_ratio"] = round(result["on"]["p95_ms"] / max(result["off"]["p95_ms"], 1e-9), 3)
    result["rps_ratio"] = round(result["on"]["rps"] / max(result["off"]["rps"], 1e-9), 3)
    log(
        f"{scenario}: off {result['off']['rps']:.0f} rps p95 {result['off']['p95_ms']:.1f} ms; "
        f"on {result['on']['rps']:.0f} rps p95 {result['on']['p95_ms']:.1f} ms; p95 on/off {result['p95_ratio']:.2f}"
    )
    return result


def failures(results: dict) -> list[str]:
    failed = []
    for scenario, r in results.items():
        for label in ("off", "on"):
            if r[label]["errors"]:
                failed.append(f"{scenario} ({label}): {r[label]['errors']} errors {r[label]['statuses']}")
            if scenario in run.CONDITIONAL and r[label]["statuses"] != ["304"]:
                failed.append(f"{scenario} ({label}): answered {r[label]['statuses']}, not only 304")
    return failed


def _judged(results: dict) -> dict[str, float]:
    """The p95 ratio of each scenario judged against LIMIT: all but the `/healthz` floor."""
    return {scenario: r["p95_ratio"] for scenario, r in results.items() if scenario != "healthz"}


def overall(results: dict) -> dict:
    """What the scenarios say together: the geometric mean of their p95 ratios (the `/healthz`
    floor left out) and how many are within LIMIT. One scenario's ratio moves by 10-20% between
    runs on a shared 2-vCPU machine (docs/performance.md), the mean over a dozen much less; an
    A/A run (`AB=none`) gives both figures' spread when nothing differs."""
    ratios = list(_judged(results).values())
    if not ratios:
        return {}
    return {
        "scenarios": len(ratios),
        "p95_ratio_geomean": round(statistics.geometric_mean(ratios), 3),
        "within": sum(ratio <= LIMIT for ratio in ratios),
    }


def markdown(report: dict) -> str:
    what = report["what"]
    if what == "tracing":
        t = report["arms"]
        subject = (
            f"tracing off against on ({t['ratio']:.0%} of requests traced, {t['spans']:,} spans exported "
            "over OTLP/HTTP to a loopback receiver)"
        )
    elif what == "audit":
        subject = "the audit history's triggers off against on"
    else:
        subject = "A/A: two identical untraced servers (the harness's own spread)"
    m = report["machine"]
    lines = [
        f"Bookwork `make bench-ab AB={what}`, {report['date']}: {subject}; {report['clients']} clients, gunicorn "
        f"{report['serving']}, {report['rounds'] * 2} turns of {report['duration_s']} s per scenario in ABBA order, "
        f"{SIZE.events:,} events. Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gb']} GB RAM.",
        "",
        "| Scenario | off req/s | on req/s | off p95 ms | on p95 ms | p95 on/off | p95 per turn, off | p95 per turn, on |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for scenario, r in report["results"].items():
        per_turn = {label: ", ".join(f"{t['p95_ms']:.1f}" for t in r["turns"][label]) for label in ("off", "on")}
        lines.append(
            f"| {TITLES[scenario]} | {r['off']['rps']:,.0f} | {r['on']['rps']:,.0f} | {r['off']['p95_ms']:.1f} "
            f"| {r['on']['p95_ms']:.1f} | {_marked(r['p95_ratio'])} | {per_turn['off']} | {per_turn['on']} |"
        )
    lines += _verdict(report["results"], mean="geometric mean", judged="p95 within 10%")
    lines += [f"- FAILED: {item}" for item in report["failed"]]
    return "\n".join(lines) + "\n"


def _marked(ratio: float) -> str:
    """A table's ratio cell: the ratio, marked when over LIMIT."""
    return f"{ratio:.2f}" + ("" if ratio <= LIMIT else " **over 10%**")


def _verdict(results: dict, *, mean: str, judged: str) -> list[str]:
    """The lines under a table of `results`: `overall`, then the scenarios over LIMIT."""
    lines = []
    if summary := overall(results):
        lines += [
            "",
            f"Over the {summary['scenarios']} scenarios but `/healthz`: p95 on / off {summary['p95_ratio_geomean']:.3f} "
            f"({mean}), {summary['within']} within 10%.",
        ]
    over = [scenario for scenario, ratio in _judged(results).items() if ratio > LIMIT]
    lines += ["", f"{judged} (on / off ≤ {LIMIT:.2f}): " + ("every scenario." if not over else "")]
    lines += [f"- over: {TITLES[s]} ({results[s]['p95_ratio']:.2f})" for s in over]
    return lines


def pooled(reports: list[dict]) -> dict:
    """Runs of one comparison taken together: per scenario, its p95 ratio in each run that
    measured it (`runs`, in the order given) and their geometric mean (`p95_ratio`); `overall`
    of those means. Raises SystemExit for runs of different comparisons or sampling ratios."""
    kinds = {(report["what"], report["arms"].get("ratio")) for report in reports}
    if len(kinds) != 1:
        raise SystemExit(f"pool runs of one comparison, not of {sorted(kinds, key=str)}")
    ((what, ratio),) = kinds
    runs: dict[str, list[float]] = {}
    for report in reports:
        for scenario, result in report["results"].items():
            runs.setdefault(scenario, []).append(result["p95_ratio"])
    results = {
        scenario: {"runs": ratios, "p95_ratio": round(statistics.geometric_mean(ratios), 3)}
        for scenario, ratios in runs.items()
    }
    return {
        "what": what,
        "ratio": ratio,
        "dates": [report["date"] for report in reports],
        "results": results,
        "overall": overall(results),
    }


def pooled_markdown(pool: dict) -> str:
    subject = f"`make bench-ab AB={pool['what']}`" + (f" at {pool['ratio']:.0%}" if pool["ratio"] is not None else "")
    lines = [
        f"{len(pool['dates'])} runs of {subject} taken together ({', '.join(pool['dates'])}): per scenario, "
        "each run's p95 on / off and their geometric mean.",
        "",
        "| Scenario | p95 on/off per run | mean of the runs |",
        "|---|---|---:|",
    ]
    for scenario, r in pool["results"].items():
        per_run = ", ".join(f"{ratio:.2f}" for ratio in r["runs"])
        lines.append(f"| {TITLES[scenario]} | {per_run} | {_marked(r['p95_ratio'])} |")
    lines += _verdict(pool["results"], mean="geometric mean of the means", judged="Mean of the runs within 10%")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv[:1] == ["pool"] and len(argv) > 1:
        print(pooled_markdown(pooled([json.loads(Path(name).read_text()) for name in argv[1:]])), end="")
        return 0
    if len(argv) != 1 or argv[0] not in {"tracing", "audit", "none"}:
        raise SystemExit("usage: python -m bench.ab tracing|audit|none, or python -m bench.ab pool RUN.json...")
    what = argv[0]
    started = time.perf_counter()
    common.WORK.mkdir(parents=True, exist_ok=True)
    common.seed(SIZE)
    run.prepare(SIZE)
    scenarios = ("healthz", *(name for name in run.SCENARIO_ORDER if not run.ONLY or name in run.ONLY))
    results: dict = {}
    with arms(what) as (pair, recorded):
        for scenario in scenarios:
            if scenario != "healthz" and not (common.WORK / f"{scenario}.tsv").read_text():
                log(f"{scenario}: skipped (bench.prepare found nothing to request)")
                continue
            results[scenario] = compare(scenario, pair)
        arms_info = recorded()
    now = dt.datetime.now(dt.UTC)
    report = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "what": what,
        "rounds": ROUNDS,
        "duration_s": run.DURATION,
        "clients": run.CLIENTS,
        "serving": run.SERVING,
        "machine": common.machine(),
        "size": SIZE.__dict__,
        "arms": arms_info,
        "results": results,
        "overall": overall(results),
        "failed": failures(results),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    suffix = f"ab-{what}" + (f"{run.TRACING_RATIO:g}" if what == "tracing" and run.TRACING_RATIO < 1 else "")
    stamp = now.strftime("%Y-%m-%dT%H%M%SZ") + ("-quick" if run.QUICK else "") + f"-{suffix}"
    table = markdown(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{stamp}.md").write_text(table)
    print()
    print(table)
    log(f"wrote bench/results/{stamp}.json and .md in {report['wall_seconds']} s")
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
