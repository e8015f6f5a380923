"""The shipped quizzes cannot be gamed by option length or by ticking everything (issue 19).

A learner who always picks the longest or second-longest option, or ticks every box, should not pass:
in each module at most 40 % of single-answer questions have the right answer among the two longest
options, and every multiple-answer question has at least two wrong options. Every assessment question
names a lesson of its module, so the result page can list only the lessons to revisit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from literacy.content.courses import load_courses
from literacy.content.model import ModuleSource, Question

COURSES = Path(__file__).resolve().parents[1] / "literacy" / "courses"
LIMIT = 0.40
_TAG = re.compile(r"<[^>]+>")


def _shipped() -> list[ModuleSource]:
    result = load_courses(COURSES)
    assert not result.problems, [str(p) for p in result.problems]
    return sorted(result.modules, key=lambda module: module.slug)


MODULES = _shipped()
IDS = [module.slug for module in MODULES]


def _length(html: str) -> int:
    return len(" ".join(_TAG.sub("", html).split()))


def _quiz_questions(module: ModuleSource) -> list[Question]:
    questions: list[Question] = []
    for quiz in (module.quiz, module.precheck):
        if quiz is not None:
            questions.extend(quiz.variants[module.language].questions)
    return questions


def _all_questions(module: ModuleSource) -> list[Question]:
    checks = [q for lesson in module.lessons for q in lesson.variants[module.language].checks]
    return _quiz_questions(module) + checks


def right_among_two_longest(question: Question) -> bool:
    """True when at most one option is longer than the right one (ties count against the question)."""
    right = next(o for o in question.options if o.is_correct)
    longer = sum(_length(o.html) > _length(right.html) for o in question.options if not o.is_correct)
    return longer <= 1


def test_the_rules_see_what_they_should():
    from literacy.content.model import Option

    def single(*lengths: int, right: int) -> Question:
        options = tuple(Option(str(i), "x" * n, i == right) for i, n in enumerate(lengths))
        return Question("q", "single", "", options)

    assert right_among_two_longest(single(10, 30, 20, 5, right=2))  # second-longest
    assert right_among_two_longest(single(10, 30, 20, 5, right=1))  # longest
    assert not right_among_two_longest(single(10, 30, 20, 5, right=0))
    assert right_among_two_longest(single(30, 30, 20, right=0))  # tied for longest


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_the_right_answer_is_not_given_away_by_its_length(module: ModuleSource):
    singles = [q for q in _quiz_questions(module) if q.kind == "single" and len(q.options) >= 3]
    if not singles:
        pytest.skip(f"{module.slug} has no single-answer quiz questions with three or more options")
    giveaways = [q.key for q in singles if right_among_two_longest(q)]
    assert len(giveaways) <= LIMIT * len(singles), (
        f"{module.slug}: in {len(giveaways)} of {len(singles)} single-answer questions the right answer is "
        f"the longest or second-longest option (at most {int(LIMIT * 100)} %): {giveaways}"
    )


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_every_multiple_answer_question_has_two_wrong_options(module: ModuleSource):
    thin = [
        f"{q.key} (line {q.line})"
        for q in _all_questions(module)
        if q.kind == "multiple" and sum(not o.is_correct for o in q.options) < 2
    ]
    assert not thin, f"{module.slug}: multiple-answer questions with fewer than two wrong options: {thin}"


@pytest.mark.parametrize("module", MODULES, ids=IDS)
def test_every_assessment_question_names_a_lesson_of_its_module(module: ModuleSource):
    lessons = {lesson.slug for lesson in module.lessons}
    unnamed = [q.key for q in _quiz_questions(module) if q.lesson not in lessons]
    assert not unnamed, f"{module.slug}: questions that name no lesson of the module: {unnamed}"
