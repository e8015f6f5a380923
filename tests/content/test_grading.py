"""Grading every kind of question, including the edges of numbers, tolerances and patterns."""

from __future__ import annotations

from dataclasses import replace

import pytest

from literacy.content import KINDS, Option, Question, grade, merge_accepts, normalise_text, parse_number
from literacy.content.grading import MAX_TEXT_ANSWER


def choice(kind: str, correct: str) -> Question:
    options = tuple(Option(key, key.upper(), key in correct) for key in "abcd")
    return Question(key="q", kind=kind, prompt_html="<p>?</p>", options=options)


def text(accept: tuple[str, ...] = (), pattern: str | None = None) -> Question:
    return Question(key="t", kind="text", prompt_html="<p>?</p>", accept=accept, pattern=pattern)


def number(answer: float, tolerance: float = 0.0) -> Question:
    return Question(key="n", kind="number", prompt_html="<p>?</p>", answer=answer, tolerance=tolerance)


def test_grade_dispatches_through_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(KINDS) == {"single", "multiple", "true-false", "text", "number"}
    q = choice("single", "b")
    assert grade(q, "b")
    monkeypatch.setitem(KINDS, "single", replace(KINDS["single"], grade=lambda question, response: False))
    assert not grade(q, "b")


def test_single() -> None:
    q = choice("single", "b")
    assert grade(q, "b")
    assert not grade(q, "a")
    assert not grade(q, "B")  # keys are exact
    assert not grade(q, ["b"])  # a list is not an option key
    assert not grade(q, None)
    assert not grade(q, "")


def test_true_false() -> None:
    q = Question("tf", "true-false", "<p>?</p>", (Option("a", "True", False), Option("b", "False", True)))
    assert grade(q, "b") and not grade(q, "a") and not grade(q, "c")


def test_multiple_needs_exactly_the_correct_set() -> None:
    q = choice("multiple", "ac")
    assert grade(q, ["a", "c"])
    assert grade(q, ("c", "a"))
    assert grade(q, {"a", "c"})
    assert grade(q, ["a", "c", "a"])  # repeats do not matter
    assert not grade(q, ["a"])
    assert not grade(q, ["a", "b", "c"])
    assert not grade(q, [])
    assert not grade(q, "a")
    assert not grade(q, [1, 2])
    assert not grade(q, None)
    assert not grade(q, {"a": 1, "c": 1})
    one = choice("multiple", "d")
    assert grade(one, "d")  # a single key posted on its own
    assert grade(one, ["d"])


@pytest.mark.parametrize("answer", [
    "ATRS", "atrs", "  atrs  ", "ATRS.", "atrs. ", "Algorithmic   Transparency\nRecording Standard",
    "algorithmic transparency recording standard.", "\u00a0ATRS",
])
def test_text_accepts_after_normalising(answer: str) -> None:
    q = text(("Algorithmic Transparency Recording Standard", "ATRS"))
    assert grade(q, answer)


@pytest.mark.parametrize("answer", ["", "   ", ".", "ATRS standard", "A.T.R.S", None, 5, ["ATRS"]])
def test_text_rejects(answer: object) -> None:
    assert not grade(text(("ATRS",)), answer)


def test_text_handles_apostrophes_and_unicode() -> None:
    q = text(("Don't panic", "Dysgu peirianyddol"))
    assert grade(q, "don\u2019t panic")  # a curly apostrophe from a phone keyboard
    assert grade(q, "DYSGU PEIRIANYDDOL")
    welsh = text(("ŵyr",))
    assert grade(welsh, "w\u0302yr")  # decomposed circumflex
    assert grade(text(("Straße",)), "STRASSE")  # casefold, not lower


def test_text_pattern_must_match_the_whole_answer_ignoring_case() -> None:
    q = text(pattern=r"(the )?training data")
    assert grade(q, "Training Data")
    assert grade(q, "the training data.")
    assert grade(q, "  the   training data ")
    assert not grade(q, "training data sets")
    assert not grade(q, "not the training data")
    digits = text(pattern=r"\d{4}")
    assert grade(digits, "2025") and not grade(digits, "20255") and not grade(digits, "year 2025")
    alternation = text(pattern="cat|dog")
    assert grade(alternation, "dog") and not grade(alternation, "catdog")


def test_text_pattern_and_accept_together() -> None:
    q = text(("ATRS",), r"algorithmic transparency (recording )?standard")
    assert grade(q, "atrs") and grade(q, "Algorithmic transparency standard") and not grade(q, "standard")


def test_text_bad_or_slow_patterns_do_not_raise() -> None:
    assert not grade(text(pattern="(unclosed"), "anything")
    slow = text(pattern=r"(a+)+b")
    assert not grade(slow, "a" * (MAX_TEXT_ANSWER + 1))  # too long to try against a pattern


@pytest.mark.parametrize(("typed", "value"), [
    ("6", 6.0), (" 6 ", 6.0), ("+6", 6.0), ("-6", -6.0), ("1,000", 1000.0), ("1,000,000.5", 1000000.5),
    ("1000.5", 1000.5), (".5", 0.5), ("0", 0.0), ("-0.25", -0.25), (6, 6.0), (2.5, 2.5),
])
def test_parse_number(typed: object, value: float) -> None:
    assert parse_number(typed) == value


@pytest.mark.parametrize("typed", [
    "", " ", "six", "1,00", "1,0000", "1.2.3", "1e3", "nan", "inf", "--1", "+", ".", "1 000", "6 months", "٣",
    None, True, float("nan"), float("inf"), [6],
])
def test_parse_number_rejects(typed: object) -> None:
    assert parse_number(typed) is None


def test_number_exact() -> None:
    q = number(6)
    assert grade(q, "6") and grade(q, "6.0") and grade(q, " +6 ") and grade(q, 6)
    assert not grade(q, "7") and not grade(q, "6.01") and not grade(q, "six") and not grade(q, None)


def test_number_tolerance_is_inclusive() -> None:
    q = number(100, tolerance=5)
    assert grade(q, "95") and grade(q, "105") and grade(q, "100")
    assert not grade(q, "94.999") and not grade(q, "105.001")


def test_number_tolerance_survives_floating_point() -> None:
    assert grade(number(0.3), "0.1") is False
    assert grade(number(0.3, tolerance=0.1), "0.2")  # 0.3 - 0.2 is 0.09999999999999998
    assert grade(number(0.3, tolerance=0.1), "0.4")  # 0.4 - 0.3 is 0.10000000000000003
    assert grade(number(1000, tolerance=0), "1,000")
    assert grade(number(-2.5, tolerance=0.5), "-2")


def test_number_without_answer_is_never_right() -> None:
    assert not grade(Question("n", "number", "<p>?</p>"), "0")


def test_unknown_kind_is_never_right() -> None:
    assert not grade(Question("x", "essay", "<p>?</p>"), "anything")


def test_normalise_text() -> None:
    assert normalise_text("  The  ATRS.  ") == "the atrs"
    assert normalise_text("etc...") == "etc"
    assert normalise_text("3.5") == "3.5"


def test_merge_accepts_unites_answers_and_patterns() -> None:
    en = text(("ATRS", "Algorithmic Transparency Recording Standard"), "atrs standard")
    cy = text(("ATRS", "Safon Cofnodi Tryloywder Algorithmig"), "safon( cofnodi)?")
    merged = merge_accepts(cy, en)
    assert merged.accept == ("ATRS", "Safon Cofnodi Tryloywder Algorithmig",
                             "Algorithmic Transparency Recording Standard")
    assert grade(merged, "atrs standard") and grade(merged, "safon cofnodi") and grade(merged, "Safon")
    assert not grade(merged, "atrs standardsafon")
    assert merge_accepts(text(("a",)), text(pattern="b")).pattern == "b"
    assert merge_accepts(text(pattern="b"), text(pattern="b")).pattern == "b"
    single = choice("single", "a")
    assert merge_accepts(single, text(("a",))) is single
