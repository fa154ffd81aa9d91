"""Helpers for bench/bench_audit.py: timing sections and statistics."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict

# -- statistics --------------------------------------------------------------------------------


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p95 (nearest rank), mean and min of durations in seconds, as milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "n": len(ordered),
        "median": statistics.median(ordered) * 1000,
        "p95": p95 * 1000,
        "mean": statistics.fmean(ordered) * 1000,
        "min": ordered[0] * 1000,
    }


# -- timing sections: exclusive time and queries per named part of a call tree ----------------


class Sections:
    """Wrap functions under a name; each call's time and queries are charged to the innermost
    wrapped function running (exclusive), so the parts add up to the whole."""

    def __init__(self):
        self.time: dict[str, float] = defaultdict(float)
        self.queries: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)
        self.order: list[str] = []
        self._stack: list[list] = []
        self.executed = 0

    def count_queries(self, execute, sql, params, many, context):
        self.executed += 1
        return execute(sql, params, many, context)

    def enter(self, name: str) -> None:
        if name not in self.time:
            self.order.append(name)
        self._stack.append([name, time.perf_counter(), 0.0, self.executed, 0])

    def exit(self) -> None:
        name, started, child_time, started_q, child_q = self._stack.pop()
        spent = time.perf_counter() - started
        queries = self.executed - started_q
        self.time[name] += spent - child_time
        self.queries[name] += queries - child_q
        self.calls[name] += 1
        if self._stack:
            self._stack[-1][2] += spent
            self._stack[-1][4] += queries

    def wrap(self, name: str, func):
        sections = self

        def timed(*args, **kwargs):
            sections.enter(name)
            try:
                return func(*args, **kwargs)
            finally:
                sections.exit()

        timed.__wrapped__ = func
        for attr in ("_django_fsm", "__name__", "__doc__"):
            if hasattr(func, attr):
                setattr(timed, attr, getattr(func, attr))
        return timed
