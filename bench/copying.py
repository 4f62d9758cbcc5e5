"""Loading rows with PostgreSQL COPY for `bench.dataset`: progress lines, buffered writes."""

from __future__ import annotations

import time
from collections.abc import Callable

from psycopg.copy import QueuedLibpqWriter

Log = Callable[[str], None]


class Progress:
    """Prints `table  done / total  (rows/s)` at most twice a second, and a final line."""

    def __init__(self, log: Log, label: str, total: int | None) -> None:
        self.log, self.label, self.total = log, label, total
        self.count = 0
        self.start = self.last = time.perf_counter()

    def add(self, n: int) -> None:
        self.count += n
        now = time.perf_counter()
        if now - self.last >= 0.5:
            self.last = now
            self._print(now, final=False)

    def finish(self) -> float:
        now = time.perf_counter()
        self._print(now, final=True)
        return now - self.start

    def _print(self, now: float, *, final: bool) -> None:
        elapsed = max(now - self.start, 1e-9)
        rate = self.count / elapsed
        if self.total:
            pct = min(100.0, 100.0 * self.count / self.total)
            bar = "#" * int(pct / 5)
            shown = f"[{bar:<20}] {self.count:>10,} / {self.total:,}"
        else:
            shown = f"{self.count:>10,}"
        suffix = f" in {elapsed:.1f}s" if final else ""
        self.log(f"  {self.label:<13} {shown}  {rate:>10,.0f} rows/s{suffix}")


class CopyBuffer:
    """Batches text-format COPY lines so psycopg gets few large writes."""

    def __init__(self, copy, progress: Progress, batch: int = 8000) -> None:
        self.copy, self.progress, self.batch = copy, progress, batch
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.copy.write("".join(self.lines))
            self.progress.add(len(self.lines))
            self.lines.clear()


def copy_in(cursor, statement: str):
    """`cursor.copy(statement)` with a writer thread, so PostgreSQL ingests one batch while Python
    formats the next (the two take about the same time; overlapping them halves the load)."""
    raw = getattr(cursor, "cursor", cursor)  # the psycopg cursor under Django's wrapper
    return raw.copy(statement, writer=QueuedLibpqWriter(raw))


def copy_lines(cursor, log, report, table: str, statement: str, lines: list[str]) -> None:
    """COPY already formatted `lines` into `table`, with progress, and record the timing in `report`."""
    progress = Progress(log, table, len(lines))
    with copy_in(cursor, statement) as copy:
        buf = CopyBuffer(copy, progress)
        for line in lines:
            buf.add(line)
        buf.flush()
    report.seconds[table] = progress.finish()
    report.rows[table] = len(lines)
