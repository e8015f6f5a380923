"""Shared helpers for the benchmark scripts."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(callable_: Callable[[], object]) -> float:
    start = time.perf_counter()
    callable_()
    return time.perf_counter() - start


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def report(label: str, samples: list[float]) -> None:
    median, p95 = percentiles(samples)
    print(f"{label:<48} median {median:8.2f} ms   p95 {p95:8.2f} ms   (n={len(samples)})")
