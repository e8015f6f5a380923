"""Item statistics shared by the trainers' question statistics and the managers' cohort dashboards.

One function (``item_statistics``), one type (``ItemStatistics``) and one scale: facility is the share of
answers that were right, from 0 to 1, and discrimination a correlation from -1 to 1. Pages and CSV files
turn facility into a percentage, and round both, only when they show them.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


def point_biserial(n: int, right: float, sum_y: float, sum_yy: float, sum_xy: float) -> float | None:
    """Correlation between getting a question right (x, 0 or 1) and a score (y), from sums.

    ``right`` is the sum of x (people right), ``sum_xy`` the sum of the scores of those who were right.
    None when it is undefined: fewer than two answers, or everyone right, wrong or scoring the same.
    """
    if n < 2:
        return None
    spread = (n * right - right * right) * (n * sum_yy - sum_y * sum_y)
    return (n * sum_xy - right * sum_y) / math.sqrt(spread) if spread > 0 else None


@dataclass
class Tally:
    """The sums over the answers to one question that its statistics come from.

    An answer's rest score is the attempt's marks on the other questions.
    """

    answers: int = 0
    right: int = 0
    rest_sum: float = 0  # of all answers
    rest_squares: float = 0
    right_rest_sum: float = 0  # of the right answers only

    def add(self, count: int, correct: bool, rest_sum: float, rest_squares: float) -> None:
        """Add ``count`` answers, all right or all wrong, with the sum of their rest scores and of its squares."""
        self.answers += count
        self.rest_sum += rest_sum
        self.rest_squares += rest_squares
        if correct:
            self.right += count
            self.right_rest_sum += rest_sum


@dataclass(frozen=True)
class ItemStatistics:
    answers: int
    facility: float | None  # the share of answers that were right, 0 to 1 (None without answers)
    discrimination: float | None  # the question's correlation with the rest score, -1 to 1 (None: undefined)

    @property
    def flagged(self) -> bool:
        """Worth a look: nearly everyone or nearly no one gets it right, or good learners miss it."""
        if self.answers < 5 or self.facility is None:
            return False
        return self.facility < 0.3 or self.facility > 0.95 or (self.discrimination or 0) < 0.2


def item_statistics(tally: Tally) -> ItemStatistics:
    """Facility and discrimination (point-biserial with the rest score) of one question."""
    n = tally.answers
    discrimination = point_biserial(n, tally.right, tally.rest_sum, tally.rest_squares, tally.right_rest_sum)
    return ItemStatistics(n, tally.right / n if n else None, discrimination)


@dataclass(frozen=True)
class OptionShare:
    key: str
    html: str
    is_correct: bool
    count: int
    share: float  # of the answers to the question, 0 to 1


@dataclass(frozen=True)
class QuestionStatistics:
    """A question with its item statistics and how often each of its options was chosen."""

    key: str
    prompt_html: str
    stats: ItemStatistics
    options: tuple[OptionShare, ...]

    @classmethod
    def of(
        cls, key: str, prompt_html: str, tally: Tally, options: Iterable[tuple[str, str, bool]], chosen: Counter
    ) -> QuestionStatistics:
        """From the tally and the times each option was chosen; ``options`` are (key, html, is correct)."""
        n = tally.answers
        shares = tuple(
            OptionShare(option, html, right, chosen[option], chosen[option] / n if n else 0.0)
            for option, html, right in options
        )
        return cls(key, prompt_html, item_statistics(tally), shares)


def count_choices(chosen: Counter, answer_json: str | None, count: int) -> None:
    """Add ``count`` answers stored as ``answer_json`` (an option key or a list of them) to ``chosen``."""
    for option in chosen_options(answer_json):
        chosen[option] += count


@lru_cache(maxsize=4096)
def chosen_options(answer_json: str | None) -> tuple[str, ...]:
    """The option keys an answer stored as JSON chose (none if it is not an option key or a list of them).
    Kept per text: a dashboard's tally has hundreds of rows and few distinct answers."""
    try:
        answer = json.loads(answer_json) if answer_json else None
    except ValueError:
        return ()
    return tuple(option for option in (answer if isinstance(answer, list) else [answer]) if isinstance(option, str))
