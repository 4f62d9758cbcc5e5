"""Bounded Schemathesis run against a live gunicorn (the CI variant of `make fuzz`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
