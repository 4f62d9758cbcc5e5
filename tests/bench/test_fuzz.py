"""Bounded Schemathesis run against a live gunicorn (the CI variant of `make fuzz`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Failure codes this variant holds the API to: a 5xx (ST101, ST102) or a wrong/missing/malformed
# content type (ST104-ST106). Schema-conformance findings are reported and pinned by
# test_fuzz_regressions.py; `make fuzz` runs them all against bench/fuzz-baseline.json.
STRICT_CODES = re.compile(r"\b(ST101|ST102|ST104|ST105|ST106)\b")


@pytest.mark.slow
def test_fuzzed_api_gives_no_server_error():
    # Its own database, named after this run's test database so parallel runs never share one.
    database = f"{os.environ.get('TEST_DATABASE_NAME') or 'test_bookwork'}_fuzz"
    result = subprocess.run(
        [sys.executable, "-m", "bench.fuzz", "--ci", "--database", database, "--drop"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    output = result.stdout + result.stderr
    assert "generated" in output, output[-4000:]  # Schemathesis really ran
    assert not STRICT_CODES.search(output), output[-8000:]
