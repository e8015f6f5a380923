"""Pure graders: is a learner's response to a question right?

``grade(question, response)`` asks the kinds registry (:mod:`literacy.content.kinds`) which grader a
kind uses. Responses are what the registry's readers make of a form: an option key (single,
true-false), a collection of keys (multiple) or a string (text, number). Anything malformed is simply
wrong; graders never raise.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace

from .model import KINDS, Question

#: Longest typed answer that is compared with a pattern (keeps a badly written regex fast).
MAX_TEXT_ANSWER = 500

_SPACES_RE = re.compile(r"\s+")
_NUMBER_RE = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$", re.ASCII)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def normalise_text(value: str) -> str:
    """Casefold, tidy quotes and spaces, and drop a full stop at the end: "  The ATRS. " -> "the atrs"."""
    value = unicodedata.normalize("NFC", value).translate(_QUOTES)
    value = _SPACES_RE.sub(" ", value).strip().casefold()
    return value.rstrip(". ").strip()


def parse_number(value: object) -> float | None:
    """A number as a learner types it: "1,000", "1000.5", "-3", " +2 ", ".5"; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or not _NUMBER_RE.match(text) or not any(c.isdigit() for c in text):
        return None
    return float(text.replace(",", ""))


def _keys(response: object) -> frozenset[str] | None:
    if isinstance(response, str):
        return frozenset({response})
    if isinstance(response, Iterable) and not isinstance(response, bytes | dict):
        keys = list(response)
        if all(isinstance(k, str) for k in keys):
            return frozenset(keys)
    return None


def grade_single(question: Question, response: object) -> bool:
    """Right when the response is the key of the one correct option (single and true-false)."""
    if not isinstance(response, str):
        return False
    return response in question.correct_keys and len(question.correct_keys) == 1


def grade_multiple(question: Question, response: object) -> bool:
    """Right only when exactly the correct options are chosen."""
    keys = _keys(response)
    return keys is not None and keys == question.correct_keys


def grade_text(question: Question, response: object) -> bool:
    """Right when the answer matches an accepted answer (see :func:`normalise_text`) or the pattern."""
    if not isinstance(response, str):
        return False
    answer = normalise_text(response)
    if not answer:
        return False
    if any(answer == normalise_text(accepted) for accepted in question.accept):
        return True
    if question.pattern and len(response) <= MAX_TEXT_ANSWER:
        tidy = _SPACES_RE.sub(" ", unicodedata.normalize("NFC", response).translate(_QUOTES)).strip()
        try:
            regex = re.compile(question.pattern, re.IGNORECASE)
        except re.error:
            return False
        return any(regex.fullmatch(candidate) for candidate in (tidy, tidy.rstrip(". ").strip()))
    return False


def grade_number(question: Question, response: object) -> bool:
    """Right when ``abs(number - answer) <= tolerance`` (allowing for floating-point rounding)."""
    value = parse_number(response)
    if value is None or question.answer is None:
        return False
    difference = abs(value - question.answer)
    return difference <= question.tolerance or math.isclose(
        difference, question.tolerance, rel_tol=1e-9, abs_tol=1e-12
    )


def grade(question: Question, response: object) -> bool:
    """Is ``response`` a right answer to ``question``? Unknown kinds and malformed responses are wrong."""
    kind = KINDS.get(question.kind)
    return bool(kind and kind.grade(question, response))


def merge_accepts(question: Question, other: Question) -> Question:
    """``question`` also accepting the answers of ``other`` (the same text question in another
    language): accepted answers are united and the patterns combined, so the answers of every language
    count whichever language the learner reads. The parser applies this to every translated quiz."""
    if question.kind != "text" or other.kind != "text":
        return question
    accept = tuple(dict.fromkeys((*question.accept, *other.accept)))
    pattern = question.pattern
    if other.pattern and other.pattern != pattern:
        pattern = f"(?:{pattern})|(?:{other.pattern})" if pattern else other.pattern
    return replace(question, accept=accept, pattern=pattern)
