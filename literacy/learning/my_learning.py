""" "My learning": modules in progress (with where to continue), completed modules (with scores and
certificates) and cohort assignments with due dates.

Built from a fixed number of set-based queries whatever the number of modules, so the page costs the
same for a learner with one module or fifty (tests assert the count).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import (
    Certificate,
    Cohort,
    CohortAssignment,
    CohortMember,
    Lesson,
    Module,
    ModuleCompletion,
    ModuleVersion,
    Question,
    QuizAttempt,
    Response,
)
from . import service


@dataclass(frozen=True)
class Resume:
    """Where "Continue" goes: a lesson, a question of an unfinished attempt, its check page, or a quiz intro."""

    kind: str  # "lesson" | "question" | "check" | "quiz" | "module"
    purpose: str = "assessment"
    lesson_slug: str | None = None
    attempt_id: int | None = None
    number: int | None = None


@dataclass(frozen=True)
class InProgress:
    module: Module
    version: ModuleVersion
    language: str
    lessons_done: int
    lessons_total: int
    resume: Resume
    resume_title: str  # the lesson title, or "" for the assessment

    @property
    def title(self) -> str:
        return self.version.text("title", self.language)


@dataclass(frozen=True)
class Completed:
    module: Module
    version: ModuleVersion  # the live version
    language: str
    completion: ModuleCompletion
    certificate_code: str | None
    refresh_due: bool

    @property
    def title(self) -> str:
        return self.version.text("title", self.language)


@dataclass(frozen=True)
class Assignment:
    module: Module
    version: ModuleVersion
    language: str
    cohort_name: str
    due_on: date | None
    completed: bool
    overdue: bool

    @property
    def title(self) -> str:
        return self.version.text("title", self.language)


@dataclass(frozen=True)
class MyLearning:
    in_progress: list[InProgress]
    completed: list[Completed]
    assignments: list[Assignment]

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.assignments if item.overdue)

    @property
    def due(self) -> int:
        return sum(1 for item in self.assignments if not item.completed)


def assignments_of(user: Any) -> list[tuple[CohortAssignment, str, Module, ModuleVersion]]:
    """Modules assigned to ``user`` through cohorts they are still in (``removed_at`` empty): one query.

    When two cohorts assign the same module, the earliest due date wins.
    """
    rows = db.session.execute(
        select(CohortAssignment, Cohort.name, Module, ModuleVersion)
        .join(Cohort, Cohort.id == CohortAssignment.cohort_id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(Module, Module.id == CohortAssignment.module_id)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(CohortMember.user_id == user.id, CohortMember.removed_at.is_(None), Module.status == "published")
    ).all()
    chosen: dict[int, Any] = {}
    for row in rows:
        current = chosen.get(row[2].id)
        due = row[0].due_on or date.max
        if current is None or due < (current[0].due_on or date.max):
            chosen[row[2].id] = tuple(row)
    return list(chosen.values())


def my_learning(user: Any, language: str, today: date) -> MyLearning:
    """Everything on "My learning" for ``user``; dates compared with ``today`` (the learner's time zone)."""
    visible = db.session.execute(service.visible_modules(user)).all()
    assigned = assignments_of(user)
    modules: dict[int, tuple[Module, ModuleVersion]] = {m.id: (m, v) for m, v in visible}
    for _assignment, _name, module, version in assigned:
        modules.setdefault(module.id, (module, version))
    ids = list(modules)
    progress = service.progress_by_module(user, ids)
    version_ids = [version.id for _, version in modules.values()]

    lessons: dict[int, list[service.LessonSummary]] = {}
    if version_ids:
        wanted = {language} | {version.language for _, version in modules.values()}
        rows = db.session.execute(
            select(Lesson.version_id, Lesson.slug, Lesson.position, Lesson.title, Lesson.minutes, Lesson.language)
            .where(Lesson.version_id.in_(version_ids), Lesson.language.in_(wanted))
            .order_by(Lesson.version_id, Lesson.position)
        ).all()
        primary = {version.id: version.language for _, version in modules.values()}
        chosen: dict[int, dict[str, Any]] = {}
        for row in rows:
            if row.language not in (language, primary[row.version_id]):
                continue
            per_version = chosen.setdefault(row.version_id, {})
            if row.slug not in per_version or row.language == language:
                per_version[row.slug] = row
        for version_id, per_version in chosen.items():
            lessons[version_id] = [
                service.LessonSummary(r.slug, r.position, r.title, r.minutes, r.language)
                for r in sorted(per_version.values(), key=lambda r: r.position)
            ]

    open_attempts = _open_attempts(user, ids)
    completion_ids = [p.completion.id for p in progress.values() if p.completion is not None]
    codes: dict[int, str] = {}
    if completion_ids:
        codes = dict(
            db.session.execute(
                select(Certificate.completion_id, Certificate.code).where(
                    Certificate.completion_id.in_(completion_ids), Certificate.revoked_at.is_(None)
                )
            ).all()
        )

    in_progress: list[InProgress] = []
    completed: list[Completed] = []
    for module_id, (module, version) in modules.items():
        state = progress.get(module_id, service.NO_PROGRESS)
        shown = service.shown_language(version, language)
        status = state.status(version)
        if state.completion is not None:
            completed.append(
                Completed(
                    module,
                    version,
                    shown,
                    state.completion,
                    codes.get(state.completion.id),
                    status == service.Status.REFRESH_DUE,
                )
            )
        attempt = open_attempts.get(module_id)
        if status == service.Status.COMPLETED:
            continue
        if attempt is None and (status == service.Status.REFRESH_DUE or not state.started_lessons):
            continue  # refresh due shows with the completed modules, until they start again
        summaries = lessons.get(version.id, [])
        done = sum(1 for lesson in summaries if lesson.slug in state.completed_lessons)
        resume, resume_title = _resume(version, summaries, state, attempt)
        in_progress.append(InProgress(module, version, shown, done, len(summaries), resume, resume_title))

    assignments = []
    completed_live = {
        module_id
        for module_id, state in progress.items()
        if state.status(modules[module_id][1]) == service.Status.COMPLETED
    }
    for assignment, cohort_name, module, version in assigned:
        done = module.id in completed_live
        assignments.append(
            Assignment(
                module,
                version,
                service.shown_language(version, language),
                cohort_name,
                assignment.due_on,
                done,
                bool(not done and assignment.due_on and assignment.due_on < today),
            )
        )
    latest = {module_id: max((r.started_at for r in p.rows), default=None) for module_id, p in progress.items()}
    in_progress.sort(key=lambda item: latest.get(item.module.id) or item.version.published_at, reverse=True)
    completed.sort(key=lambda item: item.completion.completed_at, reverse=True)
    assignments.sort(key=lambda item: (item.completed, item.due_on or date.max, item.title.casefold()))
    return MyLearning(in_progress, completed, assignments)


@dataclass(frozen=True)
class _OpenAttempt:
    id: int
    purpose: str
    next_number: int | None  # first unanswered question; None when all are answered


def _open_attempts(user: Any, module_ids: list[int]) -> dict[int, _OpenAttempt]:
    """Each module's unfinished attempt (the newest) and its first unanswered question: three queries."""
    if not module_ids:
        return {}
    attempts = db.session.execute(
        select(QuizAttempt.id, QuizAttempt.module_id, QuizAttempt.version_id, QuizAttempt.purpose)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_id.in_(module_ids),
            QuizAttempt.submitted_at.is_(None),
        )
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).all()
    if not attempts:
        return {}
    newest = {row.module_id: row for row in attempts}  # later rows win
    attempt_ids = [row.id for row in newest.values()]
    answered: dict[int, set[str]] = {}
    for attempt_id, key in db.session.execute(
        select(Response.attempt_id, Response.question_key).where(Response.attempt_id.in_(attempt_ids))
    ):
        answered.setdefault(attempt_id, set()).add(key)
    keys: dict[tuple[int, str], list[str]] = {}
    for version_id, purpose, key in db.session.execute(
        select(Question.version_id, Question.purpose, Question.key)
        .join(ModuleVersion, ModuleVersion.id == Question.version_id)
        .where(
            Question.version_id.in_({row.version_id for row in newest.values()}),
            Question.purpose.in_(("assessment", "precheck")),
            Question.language == ModuleVersion.language,
        )
        .order_by(Question.position)
    ):
        keys.setdefault((version_id, purpose), []).append(key)
    found = {}
    for module_id, row in newest.items():
        done = answered.get(row.id, set())
        order = keys.get((row.version_id, row.purpose), [])
        number = next((n for n, key in enumerate(order, start=1) if key not in done), None)
        found[module_id] = _OpenAttempt(row.id, row.purpose, number)
    return found


def _resume(
    version: ModuleVersion,
    lessons: list[service.LessonSummary],
    state: service.Progress,
    attempt: _OpenAttempt | None,
) -> tuple[Resume, str]:
    if attempt is not None:
        if attempt.next_number is None:
            return Resume("check", attempt.purpose, attempt_id=attempt.id), ""
        return Resume("question", attempt.purpose, attempt_id=attempt.id, number=attempt.next_number), ""
    following = service.continue_lesson(state, lessons)
    if following is not None:
        return Resume("lesson", lesson_slug=following.slug), following.title
    if version.question_count:
        return Resume("quiz"), ""
    return Resume("module"), ""
