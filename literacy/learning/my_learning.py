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
class _ModuleEntry:
    """A module as the page lists it: its live version, with texts shown in ``language``."""

    module: Module
    version: ModuleVersion
    language: str

    @property
    def title(self) -> str:
        return self.version.text("title", self.language)


@dataclass(frozen=True)
class InProgress(_ModuleEntry):
    lessons_done: int
    lessons_total: int
    resume: Resume
    resume_title: str  # the lesson title, or "" for the assessment


@dataclass(frozen=True)
class Completed(_ModuleEntry):  # version: the live version
    completion: ModuleCompletion
    certificate_code: str | None
    refresh_due: bool


@dataclass(frozen=True)
class Assignment(_ModuleEntry):
    cohort_name: str
    due_on: date | None
    completed: bool
    overdue: bool


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
    """Everything on "My learning" for ``user``; dates compared with ``today`` (the learner's time zone).

    The modules are the ones they may take and the ones assigned to them; each list below is built from
    the same few queries for all of them.
    """
    visible = db.session.execute(service.visible_modules(user)).all()
    assigned = assignments_of(user)
    modules: dict[int, tuple[Module, ModuleVersion]] = {m.id: (m, v) for m, v in visible}
    for _assignment, _name, module, version in assigned:
        modules.setdefault(module.id, (module, version))
    progress = service.progress_by_module(user, list(modules))
    return MyLearning(
        _in_progress(user, modules, progress, language),
        _completed(modules, progress, language),
        _assignments(assigned, modules, progress, language, today),
    )


def _in_progress(
    user: Any,
    modules: dict[int, tuple[Module, ModuleVersion]],
    progress: dict[int, service.Progress],
    language: str,
) -> list[InProgress]:
    """Modules started but not completed, or with an unfinished attempt, each with where "Continue" goes;
    most recent activity first. A refresh due shows with the completed modules until they start again."""
    lessons = _lessons_by_version([version for _, version in modules.values()], language)
    open_attempts = _open_attempts(user, list(modules))
    found: list[InProgress] = []
    for module_id, (module, version) in modules.items():
        state = progress.get(module_id, service.NO_PROGRESS)
        status = state.status(version)
        attempt = open_attempts.get(module_id)
        if status == service.Status.COMPLETED:
            continue
        if attempt is None and (status == service.Status.REFRESH_DUE or not state.started_lessons):
            continue
        summaries = lessons.get(version.id, [])
        done = sum(1 for lesson in summaries if lesson.slug in state.completed_lessons)
        resume, resume_title = _resume(version, summaries, state, attempt)
        shown = service.shown_language(version, language)
        found.append(InProgress(module, version, shown, done, len(summaries), resume, resume_title))

    def last_active(item: InProgress) -> Any:
        rows = progress.get(item.module.id, service.NO_PROGRESS).rows
        return max((row.started_at for row in rows), default=None) or item.version.published_at

    return sorted(found, key=last_active, reverse=True)


def _completed(
    modules: dict[int, tuple[Module, ModuleVersion]], progress: dict[int, service.Progress], language: str
) -> list[Completed]:
    """Modules completed in some edition, newest completion first, with the certificate of that completion
    and whether the live edition asks for a refresh."""
    codes = _certificate_codes([state.completion.id for state in progress.values() if state.completion is not None])
    found: list[Completed] = []
    for module_id, (module, version) in modules.items():
        state = progress.get(module_id, service.NO_PROGRESS)
        if state.completion is None:
            continue
        refresh_due = state.status(version) == service.Status.REFRESH_DUE
        shown = service.shown_language(version, language)
        found.append(Completed(module, version, shown, state.completion, codes.get(state.completion.id), refresh_due))
    return sorted(found, key=lambda item: item.completion.completed_at, reverse=True)


def _assignments(
    assigned: list[tuple[CohortAssignment, str, Module, ModuleVersion]],
    modules: dict[int, tuple[Module, ModuleVersion]],
    progress: dict[int, service.Progress],
    language: str,
    today: date,
) -> list[Assignment]:
    """The cohorts' assignments, open ones first by due date then title. Only completing the live edition
    counts; one past its due date and not completed is overdue."""
    completed_live = {
        module_id
        for module_id, state in progress.items()
        if state.status(modules[module_id][1]) == service.Status.COMPLETED
    }
    found: list[Assignment] = []
    for assignment, cohort_name, module, version in assigned:
        done = module.id in completed_live
        overdue = bool(not done and assignment.due_on and assignment.due_on < today)
        shown = service.shown_language(version, language)
        found.append(Assignment(module, version, shown, cohort_name, assignment.due_on, done, overdue))
    return sorted(found, key=lambda item: (item.completed, item.due_on or date.max, item.title.casefold()))


def _lessons_by_version(versions: list[ModuleVersion], language: str) -> dict[int, list[service.LessonSummary]]:
    """Each version's lessons in order, titled in ``language`` where translated and otherwise in the
    version's own language: one query for all the versions."""
    if not versions:
        return {}
    primary = {version.id: version.language for version in versions}
    rows = db.session.execute(
        select(Lesson.version_id, Lesson.slug, Lesson.position, Lesson.title, Lesson.minutes, Lesson.language)
        .where(Lesson.version_id.in_(list(primary)), Lesson.language.in_({language} | set(primary.values())))
        .order_by(Lesson.version_id, Lesson.position)
    ).all()
    candidates: dict[int, list[Any]] = {}
    for row in rows:  # another version's primary language is no fallback for this one
        if row.language in (language, primary[row.version_id]):
            candidates.setdefault(row.version_id, []).append(row)
    lessons: dict[int, list[service.LessonSummary]] = {}
    for version_id, found in candidates.items():
        chosen = service.prefer_language(found, lambda row: row.slug, language).values()
        lessons[version_id] = sorted(map(service.LessonSummary.from_row, chosen), key=lambda lesson: lesson.position)
    return lessons


def _certificate_codes(completion_ids: list[int]) -> dict[int, str]:
    """The code of each completion's certificate, unless it was revoked: one query."""
    if not completion_ids:
        return {}
    rows = db.session.execute(
        select(Certificate.completion_id, Certificate.code).where(
            Certificate.completion_id.in_(completion_ids), Certificate.revoked_at.is_(None)
        )
    ).all()
    return dict(rows)


@dataclass(frozen=True)
class _OpenAttempt:
    id: int
    purpose: str
    next_number: int | None  # first unanswered question; None when all are answered


def _open_attempts(user: Any, module_ids: list[int]) -> dict[int, _OpenAttempt]:
    """Each module's unfinished attempt (the newest) and its first unanswered question: three queries."""
    newest = _newest_open_attempts(user, module_ids)
    if not newest:
        return {}
    answered = _answered_keys([row.id for row in newest.values()])
    order = _question_keys({row.version_id for row in newest.values()})
    found = {}
    for module_id, row in newest.items():
        done = answered.get(row.id, set())
        keys = order.get((row.version_id, row.purpose), [])
        number = next((n for n, key in enumerate(keys, start=1) if key not in done), None)
        found[module_id] = _OpenAttempt(row.id, row.purpose, number)
    return found


def _newest_open_attempts(user: Any, module_ids: list[int]) -> dict[int, Any]:
    """The newest unsubmitted quiz attempt of ``user`` in each module that has one."""
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
    return {row.module_id: row for row in attempts}  # later rows win


def _answered_keys(attempt_ids: list[int]) -> dict[int, set[str]]:
    """The keys of the questions answered so far in each attempt."""
    answered: dict[int, set[str]] = {}
    for attempt_id, key in db.session.execute(
        select(Response.attempt_id, Response.question_key).where(Response.attempt_id.in_(attempt_ids))
    ):
        answered.setdefault(attempt_id, set()).add(key)
    return answered


def _question_keys(version_ids: set[int]) -> dict[tuple[int, str], list[str]]:
    """The question keys of each version's assessment and precheck, in the order of the version's primary
    language, which numbers an attempt's questions."""
    keys: dict[tuple[int, str], list[str]] = {}
    for version_id, purpose, key in db.session.execute(
        select(Question.version_id, Question.purpose, Question.key)
        .join(ModuleVersion, ModuleVersion.id == Question.version_id)
        .where(
            Question.version_id.in_(version_ids),
            Question.purpose.in_(("assessment", "precheck")),
            Question.language == ModuleVersion.language,
        )
        .order_by(Question.position)
    ):
        keys.setdefault((version_id, purpose), []).append(key)
    return keys


def _resume(
    version: ModuleVersion,
    lessons: list[service.LessonSummary],
    state: service.Progress,
    attempt: _OpenAttempt | None,
) -> tuple[Resume, str]:
    """Where "Continue" goes and the lesson title to show: an unfinished attempt first, then the next
    lesson to do, then the quiz; the module page when there is nothing left."""
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
