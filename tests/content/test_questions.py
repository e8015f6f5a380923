"""The question block syntax: settings, prompt, options with IDs and feedback, explanation, storage."""

from __future__ import annotations

from literacy.content import Option, Question
from literacy.content.problems import Problems
from literacy.content.questions import build_question, parse_block, scan, validate_block

from .support import parse


def blocks(text: str) -> tuple[list, list[str]]:
    problems = Problems()
    found = scan(text, 1, "quiz.md", problems)
    for block in found.blocks:
        validate_block(block, "quiz.md", problems)
    return found.blocks, [str(p) for p in problems.sorted()]


def quiz_question(text: str) -> Question:
    result = parse({"quiz.md": text})
    assert result.problems == [], result.problems
    assert result.module is not None and result.module.quiz is not None
    return result.module.quiz.questions[0]


FULL = """\
::: question rules-or-learning
type: single
confidence: yes
shuffle: no

A benefits team uses software that refuses any claim form with an empty date of birth.
Which describes this software **best**?

- [ ] It uses machine learning, because it makes decisions.
  > Making a decision does not mean learning.
  > Someone wrote this rule down.
- [x] It follows a rule that a person wrote. {#rule}
  > Right. The rule is fixed.

  > A second paragraph of feedback.
- [ ] It is a *large language model*,
  which produces text.

Explanation:
Rule-based software does exactly what its authors wrote.

Machine learning finds its own patterns.
:::
"""


def test_a_full_block_is_split_into_its_parts() -> None:
    (block,), problems = blocks(FULL)
    assert problems == []
    assert block.key == "rules-or-learning" and block.word == "question" and block.line == 1
    assert {name: s.line for name, s in block.settings.items()} == {"type": 2, "confidence": 3, "shuffle": 4}
    assert block.prompt_line == 6
    assert block.prompt.startswith("A benefits team") and block.prompt.endswith("**best**?")
    assert [(o.key, o.is_correct, o.line) for o in block.options] == [("a", False, 9), ("rule", True, 12),
                                                                      ("c", False, 16)]
    assert block.options[0].feedback == ["Making a decision does not mean learning.", "Someone wrote this rule down."]
    assert block.options[1].feedback_line == 13
    assert block.options[2].text == "It is a *large language model*,\nwhich produces text."
    assert block.explanation_line == 20
    assert block.explanation.endswith("Machine learning finds its own patterns.")


def test_a_full_block_renders_into_a_question() -> None:
    q = quiz_question(FULL)
    assert q.key == "rules-or-learning" and q.kind == "single" and q.line == 1
    assert q.ask_confidence is True and q.shuffle is False
    assert q.prompt_html == ("<p>A benefits team uses software that refuses any claim form with an empty date of "
                             "birth.\nWhich describes this software <strong>best</strong>?</p>")
    assert [o.key for o in q.options] == ["a", "rule", "c"]
    assert q.options[1] == Option("rule", "It follows a rule that a person wrote.", True,
                                  "<p>Right. The rule is fixed.</p>\n<p>A second paragraph of feedback.</p>")
    assert q.options[2].html == "It is a <em>large language model</em>,\nwhich produces text."  # no <p>
    assert q.options[2].feedback_html == ""
    assert q.explanation_html == ("<p>Rule-based software does exactly what its authors wrote.</p>\n"
                                  "<p>Machine learning finds its own patterns.</p>")
    assert q.correct_keys == {"rule"}
    assert q.option("rule") is q.options[1] and q.option("zzz") is None
    assert q.has_options


def test_text_question_settings() -> None:
    q = quiz_question("""\
::: question atrs-name
type: text
accept: Algorithmic Transparency Recording Standard | ATRS |
pattern: atrs( standard)?
if-correct: Yes. Public bodies publish **records**.
if-wrong: It is the ATRS.

What is the name of the standard?
:::
""")
    assert q.kind == "text" and not q.has_options
    assert q.accept == ("Algorithmic Transparency Recording Standard", "ATRS")
    assert q.pattern == "atrs( standard)?"
    assert q.if_correct_html == "<p>Yes. Public bodies publish <strong>records</strong>.</p>"
    assert q.if_wrong_html == "<p>It is the ATRS.</p>"
    assert q.ask_confidence is False and q.explanation_html == ""


def test_number_question_settings() -> None:
    q = quiz_question("::: question n\ntype: number\nanswer: 1,000\ntolerance: 2.5\n\nHow many?\n:::\n")
    assert (q.answer, q.tolerance) == (1000.0, 2.5)
    assert quiz_question("::: question n\ntype: number\nanswer: -3\n\nHow many?\n:::\n").tolerance == 0.0


def test_settings_are_case_insensitive_and_flexible() -> None:
    q = quiz_question("::: question q\nType: True-False\nConfidence: Yes\n\nSky is blue?\n\n"
                      "* [X] True\n*  [ ] False\n:::\n")
    assert q.kind == "true-false" and q.ask_confidence
    assert [o.is_correct for o in q.options] == [True, False]


def test_explanation_on_the_same_line_and_in_welsh() -> None:
    q = quiz_question("::: question q\ntype: single\n\nPick.\n\n- [x] A\n- [ ] B\n\nExplanation: Because A.\n:::\n")
    assert q.explanation_html == "<p>Because A.</p>"
    (block,), _ = blocks("::: question q\ntype: single\n\nPick.\n\n- [x] A\n- [ ] B\nEsboniad:\nAm fod A.\n:::\n")
    assert block.explanation == "Am fod A." and block.explanation_line == 9


def test_settings_may_follow_blank_lines_and_the_prompt_may_follow_without_one() -> None:
    (block,), problems = blocks("::: question q\n\ntype: single\nPick one.\n- [x] A\n- [ ] B\n:::\n")
    assert problems == []
    assert block.prompt == "Pick one." and block.prompt_line == 4


def test_prompt_can_hold_markdown_lists_and_quotes() -> None:
    q = quiz_question("::: question q\ntype: single\n\nRead this:\n\n> A quoted notice.\n\n- one\n- two\n\n"
                      "Which is true?\n\n- [x] A\n- [ ] B\n:::\n")
    assert "<blockquote>" in q.prompt_html and "<li>one</li>" in q.prompt_html


def test_more_than_26_options_get_keys() -> None:
    options = "".join(f"- [{'x' if i == 0 else ' '}] Option {i}\n" for i in range(28))
    q = quiz_question(f"::: question q\ntype: multiple\n\nPick.\n\n{options}:::\n")
    assert [o.key for o in q.options][-3:] == ["z", "option-27", "option-28"]


def test_scan_reports_blocks_and_their_spans() -> None:
    problems = Problems()
    found = scan("Intro.\n\n::: question a\ntype: single\n:::\nMiddle.\n::: check b\n:::\n", 10, "x.md", problems)
    assert [(b.key, b.word, b.line) for b in found.blocks] == [("a", "question", 12), ("b", "check", 16)]
    assert found.spans == [(2, 4), (6, 7)]
    assert [line for line, _ in found.outside()] == [10, 11, 15, 18]


def test_parse_block_reports_with_file_lines() -> None:
    problems = Problems("courses/m")
    block = parse_block(["type: single", "", "Q?", "", "- [x] A {#A}"], "k", "question", 40, "quiz.md", problems)
    assert block.settings["type"].line == 41
    assert [str(p) for p in problems.sorted()] == [
        'courses/m/quiz.md:45: option ID "A" in question "k" must be lower case letters, digits and hyphens']


def test_build_question_passes_each_part_with_its_line() -> None:
    (block,), _ = blocks(FULL)
    calls: list[tuple[str, int, bool]] = []

    def render(text: str, line: int, inline: bool) -> str:
        calls.append((text.split("\n")[0], line, inline))
        return "html"

    build_question(block, render)
    assert ("A benefits team uses software that refuses any claim form with an empty date of birth.", 6,
            False) in calls
    assert ("It follows a rule that a person wrote.", 12, True) in calls
    assert ("Right. The rule is fixed.", 13, False) in calls
    assert ("Rule-based software does exactly what its authors wrote.", 20, False) in calls
