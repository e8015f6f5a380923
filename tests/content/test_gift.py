"""GIFT import and export against Moodle's own fixtures and unit-test cases (../shared/fixtures/moodle-gift)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from literacy import content
from literacy.content import gift

CORPUS = Path(__file__).resolve().parents[2] / "../shared/fixtures/moodle-gift"
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"Moodle's GIFT test corpus is not at {CORPUS} (the ../shared folder is absent)"
)

MODULE_YAML = b"""slug: gift-test
title: GIFT test
summary: Questions imported from Moodle.
audience: Tests
level: introductory
edition: 1
language: en
pass_mark: 50
outcomes:
  - Import questions
lessons:
  - only
"""
LESSON = b"---\ntitle: Only lesson\nminutes: 5\n---\n\nText.\n"


def parse_quiz(markdown: str) -> content.ParseResult:
    """The imported blocks as a module's quiz.md, through the one module parser."""
    quiz = ("---\ntitle: Imported\n---\n\n" + markdown).encode()
    return content.parse_module({"module.yaml": MODULE_YAML, "only.md": LESSON, "quiz.md": quiz})


def expected_cases() -> list[dict]:
    if not CORPUS.is_dir():
        return []
    return json.loads((CORPUS / "inline_cases/expected.json").read_text(encoding="utf-8"))["imports"]


def read_one(name: str) -> gift.GiftQuestion:
    questions = gift.read_gift((CORPUS / "inline_cases" / name).read_bytes()).questions
    assert len(questions) == 1
    return questions[0]


QTYPES = {"multichoice", "truefalse", "shortanswer", "numerical", "essay", "match"}


@needs_corpus
@pytest.mark.parametrize("case", expected_cases(), ids=lambda case: case["test"])
def test_reading_gives_the_values_moodle_expects(case):
    question = read_one(case["file"])
    expected = case["expected"]
    assert question.qtype == expected["qtype"]
    assert question.name == expected["name"]
    if "questiontext" in expected:
        assert question.questiontext == expected["questiontext"]
    if "questiontextformat" in expected:
        assert question.questiontextformat == expected["questiontextformat"]
    if "generalfeedback" in expected:
        assert question.generalfeedback == expected["generalfeedback"]
    if "generalfeedbackformat" in expected:
        assert question.generalfeedbackformat == expected["generalfeedbackformat"]
    if "single" in expected:
        assert question.single == bool(expected["single"])
    if "answer" in expected:
        texts = [a if isinstance(a, str) else a["text"] for a in expected["answer"]]
        assert [answer.text for answer in question.answers] == texts
        formats = [a["format"] for a in expected["answer"] if isinstance(a, dict)]
        if formats:
            assert [answer.format for answer in question.answers] == formats
    if "fraction" in expected:
        assert [answer.fraction for answer in question.answers] == [float(f) for f in expected["fraction"]]
    if "feedback" in expected:
        assert [answer.feedback for answer in question.answers] == [f["text"] for f in expected["feedback"]]
        assert [answer.feedback_format for answer in question.answers] == [f["format"] for f in expected["feedback"]]
    if "tolerance" in expected:
        tolerances = [t if t != "" else None for t in expected["tolerance"]]
        assert [answer.tolerance for answer in question.answers] == tolerances
    if "correctanswer" in expected:
        assert question.correctanswer == bool(expected["correctanswer"])
        assert question.feedbacktrue == expected["feedbacktrue"]["text"]
        assert question.feedbackfalse == expected["feedbackfalse"]["text"]
    if "tags" in expected:
        assert question.tags == expected["tags"]
    if "idnumber" in expected:
        assert question.idnumber == expected["idnumber"]


@needs_corpus
def test_comment_metadata_cases():
    cases = json.loads((CORPUS / "inline_cases/expected.json").read_text(encoding="utf-8"))["comment_metadata_cases"]
    assert cases
    for case in cases:
        assert gift.metadata_from_comment(case["comment"]) == (case["expected_idnumber"], case["expected_tags"]), case


@needs_corpus
@pytest.mark.parametrize("case", expected_cases(), ids=lambda case: case["test"])
def test_every_supported_case_converts_to_a_valid_module_question(case):
    data = (CORPUS / "inline_cases" / case["file"]).read_bytes()
    result = gift.import_gift(data, path=case["file"])
    if case["expected"]["qtype"] in ("essay", "match"):
        assert result.count == 0
        assert [p.line for p in result.unsupported] == [read_one(case["file"]).line]
        return
    assert result.unsupported == []
    parsed = parse_quiz(result.markdown)
    assert parsed.problems == []
    question = parsed.module.quiz.questions[0]
    expected = case["expected"]
    kind = {"multichoice": "single" if expected.get("single", 1) else "multiple", "truefalse": "true-false",
            "shortanswer": "text", "numerical": "number"}[expected["qtype"]]
    assert question.kind == kind
    if kind in ("single", "multiple"):
        correct = [float(f) > (0 if kind == "multiple" else 0.99) for f in expected["fraction"]]
        assert [option.is_correct for option in question.options] == correct
    if kind == "text":
        assert question.accept == tuple(a for a, f in zip(expected["answer"], expected["fraction"], strict=True)
                                        if f == 1 and a != "*")
        assert "Completely wrong" in question.if_wrong_html
    if kind == "number":
        assert question.answer == 3 and question.tolerance == 2
        assert "Completely wrong" in question.if_wrong_html
    if kind == "true-false":
        assert [o.is_correct for o in question.options] == [bool(expected["correctanswer"]),
                                                            not expected["correctanswer"]]
        if expected["feedbacktrue"]["text"]:
            assert expected["feedbacktrue"]["text"] in question.options[0].feedback_html
            assert expected["feedbackfalse"]["text"] in question.options[1].feedback_html
    if expected.get("generalfeedback"):
        assert expected["generalfeedback"] in question.explanation_html


@needs_corpus
def test_behat_fixture_counts_and_unsupported_lines():
    result = gift.import_gift((CORPUS / "fixtures/questions.gift.txt").read_bytes(), path="questions.gift.txt")
    # Moodle imports 9 records; here the essay, the matching question and the two missing-word records
    # (text after the closing brace) are reported by line instead.
    assert result.count + len(result.unsupported) == 9
    assert [(p.line, p.message.split(" was not imported")[0]) for p in result.unsupported] == [
        (2, '"Q8"'), (5, '"Moodle activities"'), (31, '"Q5"'), (41, '"Q1"')
    ]
    assert "essay" in result.unsupported[0].message
    assert "matching" in result.unsupported[1].message
    assert "missing-word" in result.unsupported[2].message
    assert parse_quiz(result.markdown).problems == []
    categories = gift.import_gift((CORPUS / "fixtures/questions_in_category.gift.txt").read_bytes())
    assert categories.count + len(categories.unsupported) == 4  # the $CATEGORY record is not a question
    assert categories.categories == ["$course$/Default for New Features"]
    assert parse_quiz(categories.markdown).problems == []


@needs_corpus
def test_examples_every_question_is_imported_or_reported():
    data = (CORPUS / "fixtures/examples.txt").read_bytes()
    records = gift.read_gift(data).questions
    result = gift.import_gift(data, path="examples.txt")
    assert result.count + len(result.unsupported) == len(records) == 43
    assert len(set(result.keys)) == result.count
    parsed = parse_quiz(result.markdown)
    assert parsed.problems == []
    by_key = {q.key: q for q in parsed.module.quiz.questions}
    controls = by_key["gift-control-characters"]
    assert [o.is_correct for o in controls.options] == [False, False, False, False, False, True]
    assert "\\" in controls.options[5].html and "~" in controls.options[0].html
    assert by_key["when-was-ulysses-s-grant-born"].answer == 1822
    assert by_key["when-was-ulysses-s-grant-born"].tolerance == 1
    assert by_key["kanji-origins"].accept == ("China",)
    assert by_key["what-two-people-are-entombed-in-grant-s"].kind == "multiple"
    assert {p.line for p in result.unsupported} >= {55, 61, 177}  # the matching questions


@needs_corpus
def test_a_file_that_is_not_utf8_is_refused_with_a_message_saying_so():
    data = (CORPUS / "fixtures/questions_encoding_windows-1252.gift.txt").read_bytes()
    result = gift.import_gift(data, path="windows.gift")
    assert result.count == 0
    assert len(result.unsupported) == 1 and "not UTF-8" in result.unsupported[0].message


def test_numerical_range_and_escapes():
    data = "::pi::What is pi to 3 places? {#3.141..3.143}\n\n::esc::Use \\{braces\\} and \\= signs\\: ok{=a \\# b}\n"
    questions = gift.read_gift(data.encode()).questions
    assert questions[0].answers[0].text == "3.142" and questions[0].answers[0].tolerance == pytest.approx(0.001)
    assert questions[1].questiontext == "Use {braces} and = signs: ok"
    assert questions[1].answers[0].text == "a # b"


def test_single_answer_with_two_right_answers_is_reported_not_guessed():
    result = gift.import_gift(b"Pick one {=a =b ~c}\n")
    assert result.count == 0
    assert "exactly one" in result.unsupported[0].message and result.unsupported[0].line == 1


def test_export_then_import_gives_the_same_questions():
    source = """::: question pick
type: single

Pick the *right* one: a {brace} = sign # hash ~ tilde: colon \\ backslash

- [x] Right {one}
  > Well done.
- [ ] Wrong = no
  > Not this.

Explanation:
Because.
:::

::: question several
type: multiple

Choose all.

- [x] A
- [x] B
- [ ] C
:::

::: question truth
type: true-false

The sky is green.

- [ ] True
  > It is not.
- [x] False
  > Right.
:::

::: question typed
type: text
accept: Frog | Toad
if-correct: Yes.
if-wrong: No.

Best animal?
:::

::: question count
type: number
answer: 1822
tolerance: 0.5
if-wrong: Try again.

Year?
:::
"""
    original = parse_quiz(source)
    assert original.problems == []
    text, skipped = gift.export_gift(original.module.quiz.questions)
    assert skipped == []
    imported = gift.import_gift(text.encode())
    assert imported.unsupported == []
    again = parse_quiz(imported.markdown)
    assert again.problems == []
    for before, after in zip(original.module.quiz.questions, again.module.quiz.questions, strict=True):
        assert after.key == before.key
        assert after.kind == before.kind
        assert [o.is_correct for o in after.options] == [o.is_correct for o in before.options]
        assert after.accept == before.accept
        assert (after.answer, after.tolerance) == (before.answer, before.tolerance)
    first = again.module.quiz.questions[0]
    assert "{brace} = sign # hash ~ tilde: colon \\ backslash" in first.prompt_html
    assert "<em>right</em>" in first.prompt_html
    assert "Well done." in first.options[0].feedback_html
    assert "Because." in first.explanation_html
    # Moodle's reader sees the record the way Moodle's own exporter writes it.
    truth = [q for q in gift.read_gift(text.encode()).questions if q.name == "truth"][0]
    assert truth.qtype == "truefalse" and truth.correctanswer is False
    assert "It is not." in truth.feedbacktrue and "Right." in truth.feedbackfalse
    several = [q for q in gift.read_gift(text.encode()).questions if q.name == "several"][0]
    assert [a.fraction for a in several.answers] == [0.5, 0.5, -1.0]


def test_hostile_gift_is_sanitized_by_the_module_parser():
    data = (
        b'::bad::[html]<script>alert(1)</script><svg onload\\="alert(2)"></svg><b onmouseover\\="y()">Which?</b> '
        b'{=<a href\\="javascript\\:alert(3)">yes</a>#<b onclick\\="x()">fb</b> ~no}'
    )
    result = gift.import_gift(data)
    assert result.unsupported == []
    parsed = parse_quiz(result.markdown)
    assert parsed.module is not None, parsed.problems
    html = repr(parsed.module.quiz.questions[0])
    assert "Which?" in html and "yes" in html and "fb" in html
    for needle in ("<script", "onmouseover", "javascript:", "onclick", "<svg", "onload"):
        assert needle not in html


@pytest.mark.parametrize(("source", "unsupported", "notes"), [
    ("Q {=a|b =c}", [], ['"Q": an answer containing "|" is not kept']),
    ("Q {=a|b}", ['"Q" was not imported: its answers contain "|"'], []),
    ("Q {=a#good =b#other}", [], ['"Q": only the first right answer\'s feedback is kept']),
    ("Q {#1:0 =2:0 =%50%3:0}", [], ['"Q": only the first right answer is kept; "2" is not',
                                    '"Q": partial credit (50%) for "3" is not kept: counted as wrong']),
    ("Q {=%50%a =b}", [], ['"Q": partial credit (50%) for "a" is not kept: counted as wrong']),
    ("Q {~%50%a ~%50%b ~c}", [], ['"Q": answer weights (50%) are not kept: a learner must choose every right '
                                  "answer and no wrong one"]),
    ("Q {~%-50%a ~b}", ['"Q" was not imported: no answer has a positive weight'], []),
    ("Q {=%50%a}", ['"Q" was not imported: no answer is worth full marks'], []),
    ("{=a}", ['"" was not imported: it has no question text'], []),
    ("// [tag:t1] [tag:t2]\nQ {=a ~%50%b ~c}", [], ['"Q": tags are not kept: t1, t2',
                                                   '"Q": partial credit (50%) for "b" is not kept: counted as wrong']),
    ("Q {=a ~b} and more", ['"Q _____ and more" was not imported: a missing-word question (text after the answers '
                            "in braces); move the answers to the end of the question"], []),
])
def test_what_does_not_come_across_is_said_in_order(source, unsupported, notes):
    result = gift.import_gift(source.encode())
    assert [p.message for p in result.unsupported] == unsupported
    assert [p.message for p in result.notes] == notes
    assert {p.line for p in [*result.unsupported, *result.notes]} <= {1, 2}
    assert result.count == (0 if unsupported else 1)
