"""Summaries of timings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Durations in milliseconds."""

    n: int
    mean: float
    p50: float
    p95: float
    max: float

    def __str__(self) -> str:
        return (
            f"n={self.n} mean {self.mean:.2f} ms, p50 {self.p50:.2f} ms, "
            f"p95 {self.p95:.2f} ms, max {self.max:.2f} ms"
        )


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def timing(seconds: Sequence[float]) -> Timing:
    ordered = sorted(s * 1000 for s in seconds)
    return Timing(
        n=len(ordered),
        mean=sum(ordered) / len(ordered),
        p50=percentile(ordered, 50),
        p95=percentile(ordered, 95),
        max=ordered[-1],
    )
