"""Question statistics for trainers: attempts, facility, discrimination and option shares per question.

The figures come from ``literacy.statistics``, as the cohort dashboards' do, so both show the same numbers
for the same answers.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import Select, Text, case, cast, func, select

from ..extensions import db
from ..models import Module, ModuleVersion, Question, QuizAttempt, Response
from ..statistics import QuestionStatistics, Tally, count_choices


def question_statistics(module: Module) -> list[QuestionStatistics]:
    """For each assessment question of the live version: attempts, facility, discrimination, option shares.

    Submitted assessment attempts of every version count (question keys are stable). Four queries,
    whatever the number of attempts: the version, the questions, the per-question sums, and the chosen
    options (grouped by answer in SQL).
    """
    if module.current_version_id is None:
        return []
    questions = _assessment_questions(module)
    submitted = select(QuizAttempt.id).where(
        QuizAttempt.module_id == module.id, QuizAttempt.purpose == "assessment", QuizAttempt.submitted_at.is_not(None)
    )
    tallies = _tallies(submitted)
    chosen = _choices(submitted, [question.key for question in questions if question.options])
    return [
        QuestionStatistics.of(
            question.key, question.prompt_html, tallies.get(question.key, Tally()), _options(question),
            chosen[question.key],
        )
        for question in questions
    ]


def _assessment_questions(module: Module) -> list[Question]:
    version = db.session.get(ModuleVersion, module.current_version_id)
    return list(
        db.session.scalars(
            select(Question)
            .where(
                Question.version_id == module.current_version_id,
                Question.purpose == "assessment",
                Question.language == version.language,
            )
            .order_by(Question.position)
        )
    )


def _tallies(submitted: Select) -> dict[str, Tally]:
    """Per question, the sums for facility and discrimination: a question's mark against the attempt's
    marks on the other questions (its rest score), added up in SQL."""
    mark = case((Response.is_correct.is_(True), 1), else_=0)
    totals = (
        select(Response.attempt_id.label("attempt_id"), func.sum(mark).label("total"))
        .where(Response.attempt_id.in_(submitted))
        .group_by(Response.attempt_id)
        .subquery()
    )
    rest = totals.c.total - mark
    sums = db.session.execute(
        select(
            Response.question_key,
            func.count(Response.id),
            func.sum(mark),
            func.sum(rest),
            func.sum(rest * rest),
            func.sum(mark * rest),
        )
        .join(totals, totals.c.attempt_id == Response.attempt_id)
        .group_by(Response.question_key)
    )
    return {key: Tally(*(int(value or 0) for value in values)) for key, *values in sums}


def _choices(submitted: Select, keys: list[str]) -> dict[str, Counter]:
    """How often each option of these questions was chosen (answers grouped in SQL)."""
    chosen: dict[str, Counter] = defaultdict(Counter)
    if not keys:
        return chosen
    answers = (
        select(Response.question_key, cast(Response.answer, Text), func.count(Response.id))
        .where(Response.attempt_id.in_(submitted), Response.question_key.in_(keys))
        .group_by(Response.question_key, cast(Response.answer, Text))
    )
    for key, answer_json, count in db.session.execute(answers):
        count_choices(chosen[key], answer_json, count)
    return chosen


def _options(question: Question) -> list[tuple[str, str, bool]]:
    correct = set(question.answer.get("correct", []))
    return [(option["key"], option["html"], option["key"] in correct) for option in question.options]
