"""Item statistics shared by the trainers' question statistics and the managers' cohort dashboards."""

from __future__ import annotations

import math


def point_biserial(n: int, right: float, sum_y: float, sum_yy: float, sum_xy: float) -> float | None:
    """Correlation between getting a question right (x, 0 or 1) and a score (y), from sums.

    ``right`` is the sum of x (people right), ``sum_xy`` the sum of the scores of those who were right.
    None when it is undefined: fewer than two answers, or everyone right, wrong or scoring the same.
    """
    if n < 2:
        return None
    spread = (n * right - right * right) * (n * sum_yy - sum_y * sum_y)
    return (n * sum_xy - right * sum_y) / math.sqrt(spread) if spread > 0 else None
