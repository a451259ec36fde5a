"""Figures over several runs or many timings, shared by the benchmarks and the load test."""

from __future__ import annotations

from collections.abc import Sequence


def percentile_ms(seconds: Sequence[float], p: float) -> float:
    """The ``p``-th percentile of durations given in seconds, in milliseconds."""
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def spread(values: Sequence[float], digits: int = 0) -> str:
    """``median (min–max)`` of several runs' figures."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    if len(ordered) == 1:
        return f"{median:,.{digits}f}"
    return f"{median:,.{digits}f} ({ordered[0]:,.{digits}f}–{ordered[-1]:,.{digits}f})"
