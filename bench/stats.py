"""Summaries of measured samples.

Percentiles use the nearest-rank method (the smallest sample with at least p% of the samples
at or below it): every reported figure is a latency that really happened, and p99 of a small
run is its worst-but-one sample rather than an interpolation between two.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of ``samples``."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    """Milliseconds, with the precision a human reads (no false digits)."""
    value = seconds * 1000
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"
