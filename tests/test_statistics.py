"""The shared item statistic, against a plain Pearson correlation."""

from __future__ import annotations

import statistics

import pytest

from literacy.statistics import point_biserial


def test_matches_pearson_correlation():
    x = [1, 1, 0, 1, 0, 0, 1]
    y = [90, 80, 40, 70, 50, 30, 60]
    expected = statistics.correlation(x, y)
    got = point_biserial(len(x), sum(x), sum(y), sum(v * v for v in y), sum(a * b for a, b in zip(x, y, strict=True)))
    assert got == pytest.approx(expected)


@pytest.mark.parametrize("x", [[1, 1, 1], [0, 0, 0], [1]])
def test_undefined_when_nobody_differs(x):
    y = [50] * len(x)
    assert (
        point_biserial(len(x), sum(x), sum(y), sum(v * v for v in y), sum(a * b for a, b in zip(x, y, strict=True)))
        is None
    )
