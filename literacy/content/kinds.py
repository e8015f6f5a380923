"""The registry of question kinds, keyed by the ``type:`` an author writes (and the ``kind`` stored).

A :class:`Kind` holds everything that differs between kinds, so the rest of the code asks the registry
instead of naming kinds: the settings it takes, whether it has options, how to validate a parsed block,
how to read what a form posted, how to grade a response and which template partial shows its inputs.
Adding a kind means registering one :class:`Kind` and writing its partial, nothing else.

Forms post an option as its position in the order shown (``"1"``, ``"2"`` ...), never its key: an
option key is an author's ID or its letter in the written order, and either could give the answer away
once options are shuffled. A reader turns positions back into keys with the order the page showed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .grading import grade_multiple, grade_number, grade_single, grade_text, merge_accepts, parse_number
from .model import KINDS
from .problems import N_

if TYPE_CHECKING:
    from .model import Question
    from .questions import QuestionBlock

Report = Callable[[int, str], None]  # (line in the file, message)
#: (the values posted for "answer", the option keys in the order shown) -> the response, None if none
Reader = Callable[[Sequence[str], Sequence[str]], object]

COMMON_SETTINGS = frozenset({"type", "confidence", "lesson"})
#: Longest typed answer kept from a form.
MAX_TYPED = 500


@dataclass(frozen=True)
class Kind:
    """One question kind, described once: the parser, the graders, the forms and the pages ask it."""

    name: str
    settings: frozenset[str]  # settings this kind takes besides type, confidence and lesson
    has_options: bool
    validate: Callable[[QuestionBlock, Report], None]
    grade: Callable[[Question, object], bool]
    read: Reader
    partial: str  # template of its inputs: macros hint, missing, first_id, answer, summary (learning/questions/)
    #: how a language variant of a question takes from another variant (text: every language's accepted
    #: answers count in each), or None when variants stand alone
    merge_variants: Callable[[Question, Question], Question] | None = None


def register(kind: Kind) -> Kind:
    """Add a kind to :data:`KINDS` (kept in :mod:`.model`, which this module fills)."""
    KINDS[kind.name] = kind
    return kind


def all_settings() -> frozenset[str]:
    """Every setting some registered kind takes (an author's other settings are unknown)."""
    return COMMON_SETTINGS.union(*(kind.settings for kind in KINDS.values()))


def kinds_with_options() -> list[str]:
    """The names of the registered kinds with options, read from the registry at each call (so a SQL
    ``IN`` built from it matches what is registered now)."""
    return [kind.name for kind in KINDS.values() if kind.has_options]


def read_answer(kind: str, posted: Sequence[str], shown: Sequence[str]) -> object:
    """The response a form posted for a question of ``kind``, or None when it holds no answer.

    ``posted`` are the form's values for ``answer``; ``shown`` the option keys in the order shown.
    """
    return KINDS[kind].read(posted, shown)


def _chosen(posted: Sequence[str], shown: Sequence[str]) -> list[str]:
    """The keys of the posted positions; anything that is not a position shown is ignored."""
    by_position = {str(position): key for position, key in enumerate(shown, start=1)}
    return [by_position[value] for value in posted if value in by_position]


def read_one(posted: Sequence[str], shown: Sequence[str]) -> str | None:
    """One option: the first value posted."""
    chosen = _chosen(posted[:1], shown)
    return chosen[0] if chosen else None


def read_many(posted: Sequence[str], shown: Sequence[str]) -> list[str] | None:
    """Any options: their keys, sorted, so the same choice is stored the same way whatever the order."""
    return sorted(set(_chosen(posted, shown))) or None


def read_typed(posted: Sequence[str], shown: Sequence[str]) -> str | None:
    """A typed answer, trimmed and capped (a pattern is never run on a huge string)."""
    return (posted[0] if posted else "").strip()[:MAX_TYPED] or None


def _options(block: QuestionBlock, report: Report, *, exactly: int | None = None) -> int:
    """Common checks for kinds with options; returns the number of correct options."""
    label = N_('question "%(key)s"', key=block.key)
    if exactly is None and len(block.options) < 2:
        report(block.line, N_("%(question)s needs at least two options (- [x] right, - [ ] wrong)", question=label)
               if block.options else N_("%(question)s has no options (- [x] right, - [ ] wrong)", question=label))
    if exactly is not None and len(block.options) != exactly:
        report(block.line, N_("%(question)s is %(type)s and needs exactly %(exactly)s options, not %(count)s",
                              question=label, type=block.kind, exactly=exactly, count=len(block.options)))
    correct = sum(1 for o in block.options if o.is_correct)
    if block.options and correct == 0:
        report(block.line, N_("%(question)s has no correct option (mark it - [x])", question=label))
    return correct


def _validate_single(block: QuestionBlock, report: Report) -> None:
    correct = _options(block, report)
    if correct > 1:
        report(block.line, N_('question "%(key)s" has %(count)s correct options but a single question has exactly '
                              "one (use type: multiple for select-all-that-apply)", key=block.key, count=correct))


def _validate_multiple(block: QuestionBlock, report: Report) -> None:
    _options(block, report)


def _validate_true_false(block: QuestionBlock, report: Report) -> None:
    correct = _options(block, report, exactly=2)
    if correct > 1:
        report(block.line, N_('question "%(key)s" is true-false and needs exactly one correct option',
                              key=block.key))


def _no_options(block: QuestionBlock, report: Report) -> None:
    if block.options:
        report(block.options[0].line, N_('question "%(key)s" is %(type)s, so it has no options: the learner types '
                                         "the answer", key=block.key, type=block.kind))


def _validate_text(block: QuestionBlock, report: Report) -> None:
    _no_options(block, report)
    accept = block.settings.get("accept")
    pattern = block.settings.get("pattern")
    if accept is None and pattern is None:
        report(block.line, N_('text question "%(key)s" needs accept: (answers separated by |) or pattern: (a '
                              "regular expression)", key=block.key))
    if accept is not None and not block.accept:
        report(accept.line, N_('accept: of question "%(key)s" lists no answers', key=block.key))
    if pattern is not None:
        if not pattern.value:
            report(pattern.line, N_('pattern: of question "%(key)s" is empty', key=block.key))
        else:
            try:
                re.compile(pattern.value, re.IGNORECASE)
            except re.error as error:
                report(pattern.line, N_('pattern: of question "%(key)s" is not a valid regular expression '
                                        "(%(error)s)", key=block.key, error=str(error)))


def _validate_number(block: QuestionBlock, report: Report) -> None:
    _no_options(block, report)
    answer = block.settings.get("answer")
    if answer is None:
        report(block.line, N_('number question "%(key)s" needs answer: (the number)', key=block.key))
    elif parse_number(answer.value) is None:
        report(answer.line, N_('answer: of question "%(key)s" must be a number, not "%(value)s"', key=block.key,
                               value=answer.value))
    tolerance = block.settings.get("tolerance")
    if tolerance is not None:
        value = parse_number(tolerance.value)
        if value is None or value < 0:
            report(tolerance.line, N_('tolerance: of question "%(key)s" must be a number of 0 or more',
                                      key=block.key))


_CHOICE = frozenset({"shuffle"})
_TYPED = frozenset({"if-correct", "if-wrong"})
_PARTIALS = "learning/questions/"

register(Kind("single", _CHOICE, True, _validate_single, grade_single, read_one, _PARTIALS + "_single.html"))
register(Kind("multiple", _CHOICE, True, _validate_multiple, grade_multiple, read_many,
              _PARTIALS + "_multiple.html"))
register(Kind("true-false", _CHOICE, True, _validate_true_false, grade_single, read_one,
              _PARTIALS + "_single.html"))
register(Kind("text", _TYPED | {"accept", "pattern"}, False, _validate_text, grade_text, read_typed,
              _PARTIALS + "_text.html", merge_accepts))
register(Kind("number", _TYPED | {"answer", "tolerance"}, False, _validate_number, grade_number, read_typed,
              _PARTIALS + "_number.html"))
