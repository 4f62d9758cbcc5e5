"""bench/trace_cost.py: reads cachegrind's instruction total and mixes the sampled and unsampled
costs at a ratio."""

from __future__ import annotations

import pytest

from bench import trace_cost

CACHEGRIND_SUMMARY = """==4242== Cachegrind, a high-precision tracing profiler
==4242== Command: python -m bench.trace_cost --child off event_304 250
==4242==
==4242== I   refs:      4,597,113,893
"""


def test_the_instruction_total_is_read_from_cachegrinds_summary():
    assert trace_cost.instructions(CACHEGRIND_SUMMARY) == 4_597_113_893


def test_a_summary_without_a_total_is_an_error():
    with pytest.raises(ValueError):
        trace_cost.instructions("==4242== Command: python\n")


def test_the_cost_at_a_ratio_mixes_sampled_into_unsampled():
    assert trace_cost.at_ratio(2_300_000, 3_600_000, 0.1) == pytest.approx(2_430_000)
    assert trace_cost.at_ratio(2_300_000, 3_600_000, 0) == 2_300_000
    assert trace_cost.at_ratio(2_300_000, 3_600_000, 1) == 3_600_000
