"""`make bench-ab` (bench/ab.py): the arms take turns in ABBA order, each turn inside its arm's
switch, and the report's means, ratios, marks and failures are those of the turns."""

from __future__ import annotations

import contextlib
import json

import pytest

from bench import ab, run


class _Server:
    def __init__(self, name: str) -> None:
        self.name = name


def _turn(p95: float, rps: float = 100.0, statuses=None) -> dict:
    return {"rps": rps, "p95_ms": p95, "errors": 0, "statuses": statuses or {"200": 10}}


def test_turns_alternate_abba_inside_each_arms_switch(monkeypatch):
    calls, inside = [], []

    @contextlib.contextmanager
    def switch():
        inside.append(True)
        try:
            yield
        finally:
            inside.pop()

    latencies = {"off": iter([10.0, 12.0, 14.0, 16.0]), "on": iter([11.0, 13.0, 15.0, 17.0])}

    def fake_wrk(server, scenario, duration, *, record=True):
        calls.append((server.name, record, bool(inside)))
        return _turn(next(latencies[server.name])) if record else {}

    monkeypatch.setattr(run, "wrk", fake_wrk)
    monkeypatch.setattr(ab, "ROUNDS", 2)
    pair = [ab.Arm("off", _Server("off"), switch), ab.Arm("on", _Server("on"), contextlib.nullcontext)]

    result = ab.compare("event_detail", pair)

    # A warm-up of each, then off, on, on, off; the off arm's turns (warm-up included) in its switch.
    assert calls == [
        ("off", False, True),
        ("on", False, False),
        ("off", True, True),
        ("on", True, False),
        ("on", True, False),
        ("off", True, True),
    ]
    assert [t["p95_ms"] for t in result["turns"]["off"]] == [10.0, 12.0]
    assert result["off"]["p95_ms"] == 11.0 and result["on"]["p95_ms"] == 12.0
    assert result["p95_ratio"] == round(12.0 / 11.0, 3)


def test_the_report_marks_what_is_over_ten_percent_and_fails_on_errors():
    results = {
        "event_detail": {
            "turns": {"off": [_turn(10.0)], "on": [_turn(10.5)]},
            "off": {"rps": 100.0, "p95_ms": 10.0, "errors": 0, "statuses": ["200"]},
            "on": {"rps": 95.0, "p95_ms": 10.5, "errors": 0, "statuses": ["200"]},
            "p95_ratio": 1.05,
        },
        "event_revalidate": {
            "turns": {"off": [_turn(5.0)], "on": [_turn(6.0)]},
            "off": {"rps": 200.0, "p95_ms": 5.0, "errors": 0, "statuses": ["304"]},
            "on": {"rps": 150.0, "p95_ms": 6.0, "errors": 3, "statuses": ["200", "304"]},
            "p95_ratio": 1.2,
        },
    }
    failed = ab.failures(results)
    assert failed == [
        "event_revalidate (on): 3 errors ['200', '304']",
        "event_revalidate (on): answered ['200', '304'], not only 304",
    ]
    report = {
        "what": "audit",
        "date": "2026-12-01 10:00 UTC",
        "rounds": 1,
        "duration_s": 6,
        "clients": 3,
        "serving": "sync workers",
        "machine": {"nproc": 2, "cpu_model": "test", "ram_gb": 1},
        "results": results,
        "failed": failed,
        "arms": {},
    }
    table = ab.markdown(report)
    # The run's own settings, not those of the process writing the table (a report regenerated later).
    assert "; 3 clients, gunicorn sync workers, 2 turns of 6 s per scenario in ABBA order" in table
    assert "| event detail | 100 | 95 | 10.0 | 10.5 | 1.05 | 10.0 | 10.5 |" in table
    assert "1.20 **over 10%**" in table
    assert "- over: revalidate an event (If-None-Match, 304) (1.20)" in table
    # sqrt(1.05 x 1.2)
    assert "Over the 2 scenarios but `/healthz`: p95 on / off 1.122 (geometric mean), 1 within 10%." in table
    assert "- FAILED: event_revalidate (on): 3 errors" in table


def test_the_summary_is_the_geometric_mean_of_the_scenarios_without_the_floor():
    def result(ratio: float) -> dict:
        return {"p95_ratio": ratio}

    results = {
        "healthz": result(2.0),
        "event_detail": result(1.25),
        "club_events": result(0.8),
        "poll_detail": result(1.0),
    }

    # 1.25 x 0.8 x 1.0 = 1: the floor's 2.0 is not in it; 1.25 is the one over 10%.
    assert ab.overall(results) == {"scenarios": 3, "p95_ratio_geomean": 1.0, "within": 2}
    assert ab.overall({"healthz": result(1.3)}) == {}


def _run(what: str, ratio: float | None, date: str, **p95_ratios: float) -> dict:
    arms = {"ratio": ratio} if ratio is not None else {}
    return {"what": what, "date": date, "arms": arms, "results": {s: {"p95_ratio": r} for s, r in p95_ratios.items()}}


def test_runs_pooled_are_judged_by_the_geometric_mean_of_each_scenarios_ratios(tmp_path, capsys):
    runs = [
        _run("tracing", 0.1, "2026-12-01 10:00 UTC", healthz=1.3, poll_detail=1.21, event_detail=1.0),
        _run("tracing", 0.1, "2026-12-01 11:00 UTC", healthz=1.0, poll_detail=1.0, event_detail=1.44),
        _run("tracing", 0.1, "2026-12-01 12:00 UTC", healthz=0.9, poll_detail=0.9, item_list=1.05),
    ]

    pool = ab.pooled(runs)

    # poll: (1.21 x 1.0 x 0.9) ** (1/3) = 1.029, within although one run was over; event detail:
    # sqrt(1.0 x 1.44) = 1.2, over; the item list was in one run only.
    assert pool["results"]["poll_detail"] == {"runs": [1.21, 1.0, 0.9], "p95_ratio": 1.029}
    assert pool["results"]["event_detail"] == {"runs": [1.0, 1.44], "p95_ratio": 1.2}
    assert pool["results"]["item_list"] == {"runs": [1.05], "p95_ratio": 1.05}
    assert pool["overall"] == {"scenarios": 3, "p95_ratio_geomean": 1.09, "within": 2}
    assert pool["dates"] == ["2026-12-01 10:00 UTC", "2026-12-01 11:00 UTC", "2026-12-01 12:00 UTC"]

    files = []
    for index, report in enumerate(runs):
        files.append(tmp_path / f"{index}.json")
        files[-1].write_text(json.dumps(report))
    assert ab.main(["pool", *map(str, files)]) == 0
    table = capsys.readouterr().out
    assert "3 runs of `make bench-ab AB=tracing` at 10% taken together" in table
    assert "| view a poll (ranked, with ballots) | 1.21, 1.00, 0.90 | 1.03 |" in table
    assert "| event detail | 1.00, 1.44 | 1.20 **over 10%** |" in table
    assert "- over: event detail (1.20)" in table
    assert "p95 on / off 1.090 (geometric mean of the means), 2 within 10%." in table


def test_only_runs_of_one_comparison_pool():
    with pytest.raises(SystemExit, match="one comparison"):
        ab.pooled([_run("tracing", 0.1, "a", poll_detail=1.0), _run("none", None, "b", poll_detail=1.0)])
    with pytest.raises(SystemExit, match="one comparison"):
        ab.pooled([_run("tracing", 0.1, "a", poll_detail=1.0), _run("tracing", 1.0, "b", poll_detail=1.0)])
