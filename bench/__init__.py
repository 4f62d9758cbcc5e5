"""Benchmark, fuzz and soak tooling for Bookwork (see docs/performance.md)."""
