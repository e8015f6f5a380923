"""Quiz questions name their lesson (``lesson:``) and keep their heading short: the prompt's last paragraph
is the question, the paragraphs above it the scenario. The checker reports problems as path:line."""

from __future__ import annotations

from literacy.content.questions import MAX_QUESTION_CHARS, prompt_parts

from .support import LABEL, LESSON, parse, problems

QUIZ = """\
::: question q1
type: single
lesson: second

A council's team lists four tools.

Which one is AI?

- [x] Yes
- [ ] No
:::

::: question q2
type: true-false

A statement to judge.

- [x] True
- [ ] False
:::
"""

WELSH_QUIZ = QUIZ.replace("Which one is AI?", "Pa un sy'n AI?")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_a_question_knows_its_lesson_in_every_language() -> None:
    files = {"quiz.md": QUIZ, "quiz.cy.md": WELSH_QUIZ.replace("lesson: second\n", ""),
             "module.cy.yaml": "title: Demo cy\n"}
    result = parse(files)
    assert result.problems == []
    quiz = result.module.quiz
    assert [q.lesson for q in quiz.variants["en"].questions] == ["second", None]
    assert [q.lesson for q in quiz.variants["cy"].questions] == ["second", None]  # taken from quiz.md


def test_a_lesson_that_is_not_the_modules_is_reported_on_its_line() -> None:
    quiz = QUIZ.replace("lesson: second", "lesson: third")
    assert problems({"quiz.md": quiz}) == [
        f'{LABEL}/quiz.md:{line_of(quiz, "lesson:")}: lesson "third" of question "q1" is not a lesson of this '
        "module (the lessons in module.yaml: first, second)"
    ]


def test_a_lesson_that_is_not_a_slug_is_reported() -> None:
    quiz = QUIZ.replace("lesson: second", "lesson: Second lesson.md")
    found = problems({"quiz.md": quiz})
    assert found == [f'{LABEL}/quiz.md:3: lesson: in question "q1" must be the slug of one of the module\'s '
                     "lessons, as listed in module.yaml"]


def test_a_translation_may_not_name_another_lesson() -> None:
    files = {"quiz.md": QUIZ, "quiz.cy.md": WELSH_QUIZ.replace("lesson: second", "lesson: first"),
             "module.cy.yaml": "title: Demo cy\n"}
    assert problems(files) == [
        f'{LABEL}/quiz.cy.md:3: question "q1": lesson: differs from quiz.md (leave it out here to use the lesson '
        "given there)"
    ]


def test_a_knowledge_check_cannot_name_a_lesson() -> None:
    check = "::: check c1\ntype: true-false\nlesson: first\n\nA check.\n\n- [x] True\n- [ ] False\n:::\n"
    lesson = LESSON.replace("Hello.\n", "Hello.\n\n" + check)
    assert problems({"first.md": lesson}) == [
        f'{LABEL}/first.md:{line_of(lesson, "lesson:")}: lesson: does not apply to a knowledge check (question '
        '"c1"): a check belongs to the lesson it is in'
    ]


def test_a_long_question_paragraph_is_reported_on_its_first_line() -> None:
    long_question = "Which " + "very " * 60 + "long question is this?"
    quiz = QUIZ.replace("Which one is AI?", long_question)
    found = problems({"quiz.md": quiz})
    assert found == [
        f'{LABEL}/quiz.md:{line_of(quiz, "Which ")}: the question of "q1" is {len(long_question)} characters long '
        f"(at most {MAX_QUESTION_CHARS}): its last paragraph is the page's heading, so end the prompt with the "
        "question alone, in a paragraph of its own, and put the situation in the paragraphs above it"
    ]
    # the same words split into a scenario and a short question are fine
    assert problems({"quiz.md": QUIZ.replace("Which one is AI?", long_question[:-1] + ".\n\nWhich is AI?")}) == []


def test_the_prompt_is_split_into_scenario_and_question() -> None:
    assert prompt_parts("<p>A council lists tools.</p>\n<p>Which is <em>AI</em>?</p>") == (
        "<p>A council lists tools.</p>", "Which is <em>AI</em>?")
    assert prompt_parts("<p>Only a question?</p>") == ("", "Only a question?")
    # a prompt ending in a list has no question paragraph: all of it is shown as body text
    assert prompt_parts("<p>Which?</p><ul><li><p>a</p></li></ul>") == ("<p>Which?</p><ul><li><p>a</p></li></ul>",
                                                                         None)
    assert prompt_parts("<blockquote><p>A quote</p></blockquote>") == ("<blockquote><p>A quote</p></blockquote>",
                                                                        None)


def test_the_shipped_modules_name_a_lesson_for_every_question() -> None:
    from pathlib import Path

    from literacy.content import load_glossary, parse_module
    from literacy.content.courses import NOT_MODULES  # the case library and the self-assessment

    courses = Path(__file__).resolve().parents[2] / "literacy" / "courses"
    glossary, _ = load_glossary(courses / "glossary.yaml")
    for folder in sorted(p for p in courses.iterdir() if p.is_dir() and p.name not in NOT_MODULES):
        files = {str(f.relative_to(folder)): f.read_bytes() for f in folder.rglob("*") if f.is_file()}
        result = parse_module(files, label=folder.name, glossary=glossary)
        assert result.problems == [], folder.name
        lessons = {lesson.slug for lesson in result.module.lessons}
        for variant in result.module.quiz.variants.values():
            assert all(q.lesson in lessons for q in variant.questions), folder.name
            assert all(prompt_parts(q.prompt_html)[1] for q in variant.questions), folder.name
