"""Figures shared by the benchmark scripts."""

from __future__ import annotations

from collections.abc import Sequence


def percentile_ms(seconds: Sequence[float], p: float) -> float:
    """The ``p``-th percentile of durations given in seconds, in milliseconds."""
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000
