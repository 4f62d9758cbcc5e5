"""deploy/prometheus/alerts.yml: valid rules (`promtool check rules`), unit-tested (`promtool test
rules`), built on series Bookwork exports, each with a runbook section in docs/operations.md.

promtool comes with Debian's `prometheus` package; `.ci/run` installs it, elsewhere these tests are
skipped without it (the last two run regardless).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "alerts_test.yml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool missing (apt-get install -y prometheus)")
# Series that come from elsewhere than bookwork/metrics.py: Prometheus itself and node_exporter.
FOREIGN_SERIES = {"up", "node_filesystem_avail_bytes", "node_filesystem_size_bytes"}


def _rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


@needs_promtool
def test_promtool_check_rules():
    result = subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_test_rules():
    result = subprocess.run(
        [PROMTOOL, "test", "rules", RULE_TESTS.name], cwd=RULE_TESTS.parent, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_test_and_a_runbook_section():
    operations = (ROOT / "docs" / "operations.md").read_text()
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in operations.splitlines()
        if line.startswith("#")
    }
    tested = {
        test_case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for test_case in test["alert_rule_test"]
    }
    for rule in _rules():
        name = rule["alert"]
        assert rule["annotations"]["runbook"] == f"docs/operations.md#{name.lower()}"
        assert name.lower() in anchors, f"docs/operations.md needs a '#### {name}' runbook section"
        assert name in tested, f"alerts_test.yml has no case for {name}"


def test_rules_use_series_that_bookwork_exports():
    source = (ROOT / "bookwork" / "metrics.py").read_text()
    exported = set(re.findall(r'"(bookwork_[a-z_]+)"', source))
    # Counters are exposed with _total, histograms with _bucket/_sum/_count.
    names = exported | {f"{name}_total" for name in exported} | {f"{name}_bucket" for name in exported}
    used = {name for rule in _rules() for name in re.findall(r"\b([a-z_]+)\{", rule["expr"])}
    used |= {name for rule in _rules() for name in re.findall(r"\b(bookwork_[a-z_]+)\b", rule["expr"])}
    assert used - FOREIGN_SERIES - names == set(), sorted(used - FOREIGN_SERIES - names)
