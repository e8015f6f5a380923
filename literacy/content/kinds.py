"""The registry of question kinds, keyed by the ``type:`` an author writes (and the ``kind`` stored).

Each kind knows which settings it takes, whether it has options, how to validate a parsed block and
how to grade a response. Adding a kind means registering one :class:`Kind`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .grading import grade_multiple, grade_number, grade_single, grade_text, parse_number
from .model import Question

if TYPE_CHECKING:
    from .questions import QuestionBlock

Report = Callable[[int, str], None]  # (line in the file, message)

COMMON_SETTINGS = frozenset({"type", "confidence"})
ALL_SETTINGS = frozenset({"type", "confidence", "shuffle", "accept", "pattern", "answer", "tolerance",
                          "if-correct", "if-wrong"})


@dataclass(frozen=True)
class Kind:
    name: str
    settings: frozenset[str]  # settings this kind takes besides type and confidence
    has_options: bool
    validate: Callable[[QuestionBlock, Report], None]
    grade: Callable[[Question, object], bool]


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def _options(block: QuestionBlock, report: Report, *, exactly: int | None = None) -> int:
    """Common checks for kinds with options; returns the number of correct options."""
    label = f'question "{block.key}"'
    if exactly is None and len(block.options) < 2:
        report(block.line, f"{label} needs at least two options (- [x] right, - [ ] wrong)"
               if block.options else f"{label} has no options (- [x] right, - [ ] wrong)")
    if exactly is not None and len(block.options) != exactly:
        report(block.line, f"{label} is {block.kind} and needs exactly {exactly} options, "
                           f"not {len(block.options)}")
    correct = sum(1 for o in block.options if o.is_correct)
    if block.options and correct == 0:
        report(block.line, f"{label} has no correct option (mark it - [x])")
    return correct


def _validate_single(block: QuestionBlock, report: Report) -> None:
    correct = _options(block, report)
    if correct > 1:
        report(block.line, f'question "{block.key}" has {correct} correct options but a single question has '
                           "exactly one (use type: multiple for select-all-that-apply)")


def _validate_multiple(block: QuestionBlock, report: Report) -> None:
    _options(block, report)


def _validate_true_false(block: QuestionBlock, report: Report) -> None:
    correct = _options(block, report, exactly=2)
    if correct > 1:
        report(block.line, f'question "{block.key}" is true-false and needs exactly one correct option')


def _no_options(block: QuestionBlock, report: Report) -> None:
    if block.options:
        report(block.options[0].line, f'question "{block.key}" is {block.kind}, so it has no options: '
                                      "the learner types the answer")


def _validate_text(block: QuestionBlock, report: Report) -> None:
    _no_options(block, report)
    accept = block.settings.get("accept")
    pattern = block.settings.get("pattern")
    if accept is None and pattern is None:
        report(block.line, f'text question "{block.key}" needs accept: (answers separated by |) '
                           "or pattern: (a regular expression)")
    if accept is not None and not block.accept:
        report(accept.line, f'accept: of question "{block.key}" lists no answers')
    if pattern is not None:
        if not pattern.value:
            report(pattern.line, f'pattern: of question "{block.key}" is empty')
        else:
            try:
                re.compile(pattern.value, re.IGNORECASE)
            except re.error as error:
                report(pattern.line, f'pattern: of question "{block.key}" is not a valid regular expression '
                                     f"({error})")


def _validate_number(block: QuestionBlock, report: Report) -> None:
    _no_options(block, report)
    answer = block.settings.get("answer")
    if answer is None:
        report(block.line, f'number question "{block.key}" needs answer: (the number)')
    elif parse_number(answer.value) is None:
        report(answer.line, f'answer: of question "{block.key}" must be a number, not "{answer.value}"')
    tolerance = block.settings.get("tolerance")
    if tolerance is not None:
        value = parse_number(tolerance.value)
        if value is None or value < 0:
            report(tolerance.line, f'tolerance: of question "{block.key}" must be a number of 0 or more')


_CHOICE = frozenset({"shuffle"})
_TYPED = frozenset({"if-correct", "if-wrong"})

register(Kind("single", _CHOICE, True, _validate_single, grade_single))
register(Kind("multiple", _CHOICE, True, _validate_multiple, grade_multiple))
register(Kind("true-false", _CHOICE, True, _validate_true_false, grade_single))
register(Kind("text", _TYPED | {"accept", "pattern"}, False, _validate_text, grade_text))
register(Kind("number", _TYPED | {"answer", "tolerance"}, False, _validate_number, grade_number))
