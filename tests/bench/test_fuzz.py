"""Bounded Schemathesis run against a live gunicorn (the CI variant of `make fuzz`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import common

ROOT = Path(__file__).resolve().parents[2]
# Failure codes this variant holds the API to: a 5xx (ST101, ST102) or a wrong/missing/malformed
# content type (ST104-ST106). Schema-conformance findings are pinned by test_fuzz_regressions.py;
# `make fuzz` runs every check against bench/fuzz-baseline.json.
STRICT_CODES = re.compile(r"\b(ST101|ST102|ST104|ST105|ST106)\b")
# `--ci` gives Schemathesis 30 s (bench.fuzz), but that budget bounds its fuzzing phase only: the
# coverage phase before it runs to the end. On a 2-vCPU Intel Xeon whose host was busy,
# Schemathesis itself took 30-89 s in six tries, and over 120 s in two (one thread busy
# generating cases), after up to 45 s of seeding and starting gunicorn: 170 s timed out. The rest
# is room for a loaded machine. On timeout the run is stopped with SIGTERM, which makes bench.fuzz
# stop gunicorn; the database is dropped here in any case.
TIMEOUT = 300


def fuzz_database_name() -> str:
    """Unique per run: xdist workers, parallel suites and two developers on one server never share it."""
    base = os.environ.get("TEST_DATABASE_NAME") or ""
    base = base if base.startswith("test_") else "test_bookwork"  # bench.common refuses other names
    suffix = f"_fuzz_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    return base[: 63 - len(suffix)] + suffix  # PostgreSQL truncates names at 63 bytes


def test_fuzz_database_name_is_unique_per_process():
    name = fuzz_database_name()
    assert name.startswith("test_") and str(os.getpid()) in name and len(name) <= 63


@pytest.mark.slow
def test_fuzzed_api_gives_no_server_error():
    database = fuzz_database_name()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.fuzz", "--ci", "--database", database, "--drop"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        pytest.fail(f"bench.fuzz --ci took more than {TIMEOUT} s:\n{output[-4000:]}")
    finally:
        common.drop_database(database)
    assert "generated" in output, output[-4000:]  # Schemathesis really ran
    assert not STRICT_CODES.search(output), output[-8000:]
