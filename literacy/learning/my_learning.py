""" "My learning": modules in progress (with where to continue), completed modules (with scores and
certificates, older certificates kept as history) and cohort assignments with due dates, each in its state
by ``literacy.renewal`` (completed, expiring, renewal due with the date to renew by, overdue).

Built from a fixed number of set-based queries whatever the number of modules, so the page costs the
same for a learner with one module or fifty (tests assert the count).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, cast, join, literal_column, null, or_, select, union_all

from .. import renewal
from ..auth import sessions
from ..extensions import db
from ..models import (
    Certificate,
    Cohort,
    CohortAssignment,
    CohortMember,
    LessonProgress,
    Membership,
    Module,
    ModuleCompletion,
    ModuleVersion,
    Organisation,
    Question,
    QuizAttempt,
    Response,
    SelfAssessment,
    SelfAssessmentMember,
    utcnow,
)
from . import service, version_cache


@dataclass(frozen=True)
class Resume:
    """Where "Continue" goes: a lesson, a question of an unfinished attempt, its check page, or a quiz intro;
    "Start" (``begun`` False: no lesson completed and no attempt open) goes to the module's page, and
    "Renew" (``kind`` "renew") too."""

    kind: str  # "lesson" | "question" | "check" | "quiz" | "module" | "renew"
    purpose: str = "assessment"
    lesson_slug: str | None = None
    attempt_id: int | None = None
    number: int | None = None
    begun: bool = True


@dataclass(frozen=True)
class _ModuleEntry:
    """A module as the page lists it: its live version, with texts shown in ``language``."""

    module: service.ModuleRef
    version: version_cache.Version
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

    @property
    def progressed(self) -> bool:
        """Something done: a lesson completed or an attempt open. Only opening lessons is not progress."""
        return self.resume.begun


@dataclass(frozen=True)
class CertificateRecord:
    """One completion and its certificate as "My learning" lists it, with how it stands at the time shown.

    ``validity``: "valid" (no end), "valid-until", "expiring" (ends within ``renewal.EXPIRY_WARNING_DAYS``),
    "expired" or "revoked"; ``until`` the day it ends or ended (None when it never does).
    """

    completion: ModuleCompletion
    code: str | None  # None: no certificate, or revoked (no link to it)
    validity: str
    until: datetime | None


@dataclass(frozen=True)
class Completed(_ModuleEntry):  # version: the live version
    completion: ModuleCompletion  # the latest (highest edition, then renewal)
    certificate_code: str | None
    refresh_due: bool  # a newer edition is live
    certificate: CertificateRecord | None = None  # the latest completion's
    history: tuple[CertificateRecord, ...] = ()  # the older completions and certificates, newest first


@dataclass(frozen=True)
class Assignment(_ModuleEntry):
    cohort_name: str
    due_on: date | None  # when the work is due: the assignment's date, or the date to renew by
    completed: bool  # validly completed (completed or expiring)
    overdue: bool
    state: renewal.AssignmentState | None = None
    resume: Resume | None = None  # Start, Continue or Renew; None when validly completed
    resume_title: str = ""

    @property
    def tag(self) -> str:
        """The state's tag: completed, expiring, renewal-due, renewal-overdue, overdue, due, assigned."""
        state = self.state.state if self.state else None
        if state == renewal.State.COMPLETED:
            return "completed"
        if state == renewal.State.EXPIRING:
            return "expiring"
        if state == renewal.State.RENEWAL_DUE:
            return "renewal-overdue" if self.overdue else "renewal-due"
        if self.overdue:
            return "overdue"
        return "due" if self.due_on else "assigned"


@dataclass(frozen=True)
class MyLearning:
    in_progress: list[InProgress]  # something done (a lesson completed or an attempt open), latest first
    completed: list[Completed]
    assignments: list[Assignment]
    programmes: list[tuple[Any, Any]] = ()  # type: ignore[assignment] - other organisations' cohorts joined
    opened: list[InProgress] = ()  # type: ignore[assignment] - lessons opened, none completed, latest first
    assessments: list[TeamAssessment] = ()  # type: ignore[assignment] - self-assessments whose team they are in

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.assignments if item.overdue)

    @property
    def due(self) -> int:
        return sum(1 for item in self.assignments if not item.completed)


@dataclass(frozen=True)
class Step:
    """A piece of work to do next, as the home page lists it: a module with where its link goes, and the
    assignment that asks for it (None for work nobody assigned)."""

    entry: _ModuleEntry
    resume: Resume
    resume_title: str
    assignment: Assignment | None = None

    @property
    def module(self) -> service.ModuleRef:
        return self.entry.module

    @property
    def title(self) -> str:
        return self.entry.title

    @property
    def language(self) -> str:
        return self.entry.language


def next_steps(learning: MyLearning) -> list[Step]:
    """The learner's work in the order the home page offers it (its button is the first), issue 18:

    1. assigned and overdue, the longest overdue first;
    2. assigned with a due date, the soonest first;
    3. in progress with something done (a lesson completed or an attempt open), assigned or not, the most
       recently active first;
    4. assigned without a due date and not begun, by title;
    5. modules only opened (no lesson completed), the most recently opened first.

    Validly completed assignments are not work to do. A module appears once: as its assignment if assigned.
    """
    activity = {item.module.id: number for number, item in enumerate(learning.in_progress)}
    ranked: list[tuple[tuple[Any, ...], Step]] = []
    assigned = set()
    for item in learning.assignments:
        assigned.add(item.module.id)
        if item.completed or item.resume is None:
            continue
        step = Step(item, item.resume, item.resume_title, item)
        if item.overdue:
            key: tuple[Any, ...] = (1, item.due_on or date.min)
        elif item.due_on is not None:
            key = (2, item.due_on)
        elif item.module.id in activity:
            key = (3, activity[item.module.id])
        else:
            key = (4, item.title.casefold())
        ranked.append((key, step))
    for number, item in enumerate(learning.in_progress):
        if item.module.id not in assigned:
            ranked.append(((3, number), Step(item, item.resume, item.resume_title)))
    for number, item in enumerate(learning.opened):
        if item.module.id not in assigned:
            ranked.append(((5, number), Step(item, item.resume, item.resume_title)))
    return [step for _, step in sorted(ranked, key=lambda pair: pair[0])]


@dataclass(frozen=True)
class Assigned:
    """A cohort's assignment of a module to the learner, with what the renewal rule needs about it."""

    assigned_at: datetime
    due_on: date | None
    cohort_name: str
    renewal_days: int
    module: service.ModuleRef
    version: version_cache.Version
    edition_on: date | None  # the day the live edition was first published


_USER = bindparam("user_id")
_MODULES = bindparam("module_ids", expanding=True)
_FIRST_PUBLISHED = renewal.edition_published()
#: the cohorts' assignments to the learner, in cohorts they are still in
_ASSIGNED = join(CohortAssignment, Cohort, Cohort.id == CohortAssignment.cohort_id).join(
    CohortMember,
    (CohortMember.cohort_id == Cohort.id) & (CohortMember.user_id == _USER) & CohortMember.removed_at.is_(None),
)
#: built once per audience (the page's statements are the same for everyone but their parameters): the published
#: modules the learner may take or has been assigned, with their live versions' columns (``version_cache``) and,
#: one row per assignment, the assignment, its cohort and the day the live edition was first published
_MODULES_AND_ASSIGNMENTS = {
    audience: select(
        Module.id,
        Module.slug,
        Module.organisation_id,
        *version_cache.KEY_COLUMNS,
        CohortAssignment.id.label("assignment_id"),
        Cohort.id.label("cohort_id"),
        CohortAssignment.assigned_at,
        CohortAssignment.due_on,
        Cohort.name.label("cohort_name"),
        Cohort.renewal_days,
        _FIRST_PUBLISHED.c.published_at.label("edition_published_at"),
    )
    .select_from(Module)
    .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
    .outerjoin(_ASSIGNED, CohortAssignment.module_id == Module.id)
    .outerjoin(
        _FIRST_PUBLISHED,
        and_(_FIRST_PUBLISHED.c.module_id == Module.id, _FIRST_PUBLISHED.c.edition == ModuleVersion.edition),
    )
    .where(
        Module.status == "published",
        or_(service.visibility(audience, bindparam("member_id")), CohortAssignment.id.is_not(None)),
    )
    .order_by(Cohort.id, Module.id)
    for audience in service.AUDIENCES
}
#: the learner's rows of five small kinds in one statement (one round trip instead of five): their lesson
#: rows in the page's modules (``LESSON``), their unfinished quiz attempts there, oldest first (``ATTEMPT``),
#: the cohorts of other organisations they are a current member of (``PROGRAMME``: the rule of
#: ``cohorts.service.programmes_joined``, which tests/test_my_learning.py compares), the self-assessments
#: whose team they are in, in organisations they still belong to and that are not archived (``ASSESSMENT``:
#: the ones ``practice.assessment.service.visible_assessment`` lets them open), and every completion in the
#: page's modules with its certificate and the organisation's notice days (``COMPLETION``). The last seven
#: columns are only a completion's; the others name what each kind keeps in them (``_learner_rows``).
LESSON, ATTEMPT, PROGRAMME, ASSESSMENT, COMPLETION = 0, 1, 2, 3, 4
_COMPLETION_ONLY = ("edition", "renewal", "percent", "attempt_id", "notice_days", "valid_until", "revoked_at")
_COMPLETION_TYPES = (
    ModuleCompletion.edition.type, ModuleCompletion.renewal.type, ModuleCompletion.percent.type,
    ModuleCompletion.attempt_id.type, Organisation.expiry_notice_days.type, Certificate.valid_until.type,
    Certificate.revoked_at.type,
)


def _none_for_completion() -> list[Any]:
    """The completion's columns in another kind's row: typed NULLs, so that PostgreSQL, which resolves a union's
    types branch by branch, does not take them for text, and the result types are the columns' own (a
    certificate's dates read back as aware datetimes on SQLite too)."""
    pairs = zip(_COMPLETION_ONLY, _COMPLETION_TYPES, strict=True)
    return [cast(null(), kind).label(name) for name, kind in pairs]


_LEARNER_ROWS = union_all(
    select(
        literal_column(str(LESSON)).label("kind"),
        LessonProgress.id,
        LessonProgress.module_id,
        LessonProgress.lesson_slug.label("name"),
        LessonProgress.started_at,
        LessonProgress.completed_at,
        LessonProgress.version_id,
        null().label("other_name"),
        null().label("other_slug"),
        *_none_for_completion(),
    ).where(LessonProgress.user_id == _USER, LessonProgress.module_id.in_(_MODULES)),
    select(
        literal_column(str(ATTEMPT)), QuizAttempt.id, QuizAttempt.module_id, QuizAttempt.purpose,
        QuizAttempt.started_at, null(), QuizAttempt.version_id, null(), null(), *_none_for_completion(),
    ).where(QuizAttempt.user_id == _USER, QuizAttempt.module_id.in_(_MODULES), QuizAttempt.submitted_at.is_(None)),
    select(
        literal_column(str(PROGRAMME)), Cohort.id, Cohort.organisation_id, Cohort.name, null(), null(), null(),
        Organisation.name, null(), *_none_for_completion(),
    )
    .join(Organisation, Organisation.id == Cohort.organisation_id)
    .join(CohortMember, CohortMember.cohort_id == Cohort.id)
    .where(
        CohortMember.user_id == _USER,
        CohortMember.removed_at.is_(None),
        Cohort.organisation_id.not_in(select(Membership.organisation_id).where(Membership.user_id == _USER)),
    ),
    select(
        literal_column(str(ASSESSMENT)), SelfAssessment.id, SelfAssessment.organisation_id,
        SelfAssessment.system_name, SelfAssessment.updated_at, null(), null(), Organisation.name, Organisation.slug,
        *_none_for_completion(),
    )
    .join(Organisation, Organisation.id == SelfAssessment.organisation_id)
    .join(SelfAssessmentMember, SelfAssessmentMember.assessment_id == SelfAssessment.id)
    .where(
        SelfAssessmentMember.user_id == _USER,
        Organisation.archived_at.is_(None),
        SelfAssessment.organisation_id.in_(select(Membership.organisation_id).where(Membership.user_id == _USER)),
    ),
    select(
        literal_column(str(COMPLETION)), ModuleCompletion.id, ModuleCompletion.module_id, ModuleCompletion.language,
        null(), ModuleCompletion.completed_at, ModuleCompletion.version_id, Certificate.code, null(),
        ModuleCompletion.edition, ModuleCompletion.renewal, ModuleCompletion.percent, ModuleCompletion.attempt_id,
        Organisation.expiry_notice_days, Certificate.valid_until, Certificate.revoked_at,
    )
    .outerjoin(Certificate, Certificate.completion_id == ModuleCompletion.id)
    .join(Module, Module.id == ModuleCompletion.module_id)
    .outerjoin(Organisation, Organisation.id == Module.organisation_id)
    .where(ModuleCompletion.user_id == _USER, ModuleCompletion.module_id.in_(_MODULES)),
)
_LEARNER_ROWS_ORDERED = select(_LEARNER_ROWS.subquery("learner_rows")).order_by("kind", "started_at", "id")


@dataclass(frozen=True)
class Named:
    """A cohort or an organisation as the list of programmes joined shows it."""

    id: int
    name: str


@dataclass(frozen=True)
class TeamAssessment:
    """A self-assessment whose team the learner is in, as "My learning" links to it."""

    id: int
    system_name: str
    organisation_slug: str
    organisation_name: str
    updated_at: datetime


@dataclass(frozen=True)
class CompletionRow:
    """A completion as the page reads it (the columns of ``ModuleCompletion``, which it never writes)."""

    id: int
    user_id: int
    module_id: int
    version_id: int | None
    edition: int
    language: str
    completed_at: datetime
    percent: int | None
    attempt_id: int | None
    renewal: int


@dataclass(frozen=True)
class _LearnerRows:
    lessons: dict[int, list[service.Visit]]
    attempts: dict[int, Any]  # by module: the newest unfinished attempt (id, version_id, purpose)
    programmes: list[tuple[Named, Named]]
    assessments: list[TeamAssessment]
    #: newest (highest edition, then renewal) first: (completion, code, valid_until, revoked_at, notice days)
    completions: list[tuple[CompletionRow, str | None, datetime | None, datetime | None, int | None]]


def _learner_rows(user: Any, module_ids: list[int]) -> _LearnerRows:
    """``_LEARNER_ROWS`` sorted out: one query (through the connection: Core rows need no ORM step)."""
    lessons: dict[int, list[service.Visit]] = {}
    attempts: dict[int, Any] = {}
    programmes: list[tuple[Named, Named]] = []
    assessments: list[TeamAssessment] = []
    completions: list[Any] = []
    rows = db.session.connection().execute(_LEARNER_ROWS_ORDERED, {"user_id": user.id, "module_ids": module_ids})
    for row in rows:
        if row.kind == LESSON:
            lessons.setdefault(row.module_id, []).append(
                service.Visit(row.id, row.name, row.started_at, row.completed_at)
            )
        elif row.kind == ATTEMPT:
            attempts[row.module_id] = _Attempt(row.id, row.version_id, row.name)  # later (newer) rows win
        elif row.kind == PROGRAMME:
            programmes.append((Named(row.id, row.name), Named(row.module_id, row.other_name)))
        elif row.kind == ASSESSMENT:
            assessments.append(TeamAssessment(row.id, row.name, row.other_slug, row.other_name, row.started_at))
        else:
            completion = CompletionRow(
                row.id, user.id, row.module_id, row.version_id, row.edition, row.name, row.completed_at,
                row.percent, row.attempt_id, row.renewal,
            )
            completions.append((completion, row.other_name, row.valid_until, row.revoked_at, row.notice_days))
    programmes.sort(key=lambda pair: (pair[1].name, pair[0].name))
    assessments.sort(key=lambda item: (item.updated_at, item.id), reverse=True)  # most recently changed first
    completions.sort(key=lambda item: (item[0].edition, item[0].renewal, item[0].id), reverse=True)
    return _LearnerRows(lessons, attempts, programmes, assessments, completions)


def modules_and_assignments(
    user: Any, read_with_person: Any = sessions.NOT_READ
) -> tuple[dict[int, tuple[service.ModuleRef, version_cache.Version]], list[Assigned]]:
    """The published modules ``user`` may take or has been assigned through cohorts they are still in
    (``removed_at`` empty), with their live versions, and the assignments, each with its cohort's days to
    renew and the day the live edition was first published: one query, or none when the page had the session's
    statement read them (``read_with_person``: ``sessions.page_rows`` of ``MODULES_WITH_PERSON``). When two
    cohorts assign the same module, every assignment is returned; ``my_learning`` shows the one due first."""
    audience, parameters = service.audience_of(user)
    if read_with_person is not sessions.NOT_READ and audience == "member":
        rows = read_with_person  # read with the person, in the session's statement (``MODULES_WITH_PERSON``)
    else:
        values = {"user_id": user.id, "member_id": parameters.get("user_id")}
        rows = db.session.connection().execute(_MODULES_AND_ASSIGNMENTS[audience], values).all()
    modules: dict[int, tuple[service.ModuleRef, version_cache.Version]] = {}
    assigned: list[Assigned] = []
    for row, found, live in service.live_rows(rows):
        module, version = modules.setdefault(row.id, (found, live))
        if row.assignment_id is not None:
            assigned.append(
                Assigned(
                    row.assigned_at, row.due_on, row.cohort_name, row.renewal_days, module, version,
                    _day(row.edition_published_at),
                )
            )
    return modules, assigned


#: what "My learning" and the signed-in home page have the session's statement read with the person
#: (``auth.sessions.read_with_person``): for the usual person, a member, the rows ``modules_and_assignments``
#: reads, in its order
MODULES_WITH_PERSON = _MODULES_AND_ASSIGNMENTS["member"]
MODULES_ORDER = ("cohort_id", "id")


def modules_with_person_parameters(view_args: Any, user_id: int) -> dict[str, Any]:
    return {"member_id": user_id}


def assignments_of(user: Any) -> list[Assigned]:
    """The assignments of ``modules_and_assignments``."""
    return modules_and_assignments(user)[1]


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(UTC).date() if moment is not None else None


def my_learning(
    user: Any, language: str, today: date, now: datetime | None = None, read_with_person: Any = sessions.NOT_READ
) -> MyLearning:
    """Everything on "My learning" for ``user``; due dates compared with ``today`` (the site's day),
    certificates' validity with ``now`` (default: the current time).

    The modules are the ones they may take and the ones assigned to them; each list below is built from
    the same few queries for all of them.
    """
    now = now or utcnow()
    modules, assigned = modules_and_assignments(user, read_with_person)
    rows = _learner_rows(user, list(modules))
    records, newest = _certificate_records(rows.completions, now)
    progress = service.progress_by_module(user, list(modules), newest, rows.lessons)
    lessons = _lessons_by_version([version for _, version in modules.values()], language)
    open_attempts = _open_attempts(rows.attempts)
    started = _in_progress(modules, progress, open_attempts, lessons, language)
    return MyLearning(
        [item for item in started if item.progressed],
        _completed(modules, records, language),
        _assignments(assigned, progress, records, open_attempts, lessons, language, today, now),
        rows.programmes,
        [item for item in started if not item.progressed],
        rows.assessments,
    )


def _in_progress(
    modules: dict[int, tuple[service.ModuleRef, version_cache.Version]],
    progress: dict[int, service.Progress],
    open_attempts: dict[int, _OpenAttempt],
    lessons: dict[int, list[service.LessonSummary]],
    language: str,
) -> list[InProgress]:
    """Modules opened but not completed, or with an unfinished attempt, each with where "Continue" goes;
    most recent activity first. A refresh due shows with the completed modules until they start again."""
    found: list[InProgress] = []
    for module_id, (module, version) in modules.items():
        state = progress.get(module_id, service.NO_PROGRESS)
        status = state.status(version)
        attempt = open_attempts.get(module_id)
        if status == service.Status.COMPLETED:
            continue
        due_again = status in (service.Status.REFRESH_DUE, service.Status.RENEWAL_DUE)
        if attempt is None and (due_again or not state.started_lessons):
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
    modules: dict[int, tuple[service.ModuleRef, version_cache.Version]],
    records: dict[int, list[CertificateRecord]],
    language: str,
) -> list[Completed]:
    """Modules completed in some edition, newest completion first, each with its latest certificate, the
    older ones (history), and whether the live edition asks for a refresh."""
    found: list[Completed] = []
    for module_id, (module, version) in modules.items():
        mine = records.get(module_id)
        if not mine:
            continue
        latest, *older = mine
        refresh_due = latest.completion.edition < version.edition
        shown = service.shown_language(version, language)
        found.append(
            Completed(module, version, shown, latest.completion, latest.code, refresh_due, latest, tuple(older))
        )
    return sorted(found, key=lambda item: item.completion.completed_at, reverse=True)


def _assignments(
    assigned: list[Assigned],
    progress: dict[int, service.Progress],
    records: dict[int, list[CertificateRecord]],
    open_attempts: dict[int, _OpenAttempt],
    lessons: dict[int, list[service.LessonSummary]],
    language: str,
    today: date,
    now: datetime,
) -> list[Assignment]:
    """The cohorts' assignments, each in its state by ``renewal.assignment_state`` and with its next step
    (Start, Continue or Renew; none once validly completed); open ones first by the date they are due (or
    must be renewed by), then title. When two cohorts assign the same module, the one due first is shown."""
    chosen: dict[int, Assignment] = {}
    for item in assigned:
        module, version = item.module, item.version
        mine = records.get(module.id)
        latest = mine[0] if mine else None
        state = progress.get(module.id, service.NO_PROGRESS)
        found = renewal.assignment_state(
            completed_edition=latest.completion.edition if latest else None,
            valid_until=latest.until if latest else None,
            started=bool(state.started_lessons) or module.id in open_attempts,
            live_edition=version.edition,
            edition_on=item.edition_on,
            assigned_on=_day(item.assigned_at),
            due_on=item.due_on,
            renewal_days=item.renewal_days,
            now=now,
            today=today,
        )
        shown = service.shown_language(version, language)
        attempt = open_attempts.get(module.id)
        step, step_title = _assignment_step(found, version, lessons.get(version.id, []), state, attempt)
        entry = Assignment(
            module, version, shown, item.cohort_name, found.due_on, found.is_valid, found.overdue, found,
            step, step_title,
        )
        current = chosen.get(module.id)
        if current is None or _sooner(entry, current):
            chosen[module.id] = entry
    return sorted(chosen.values(), key=lambda item: (item.completed, item.due_on or date.max, item.title.casefold()))


def _assignment_step(
    found: renewal.AssignmentState,
    version: version_cache.Version,
    lessons: list[service.LessonSummary],
    state: service.Progress,
    attempt: _OpenAttempt | None,
) -> tuple[Resume | None, str]:
    """An assignment's next step: none while validly completed; "Renew" (or the open attempt) when renewal
    is due; otherwise where the module's "Start" or "Continue" goes."""
    if found.is_valid:
        return None, ""
    if found.state == renewal.State.RENEWAL_DUE and attempt is None:
        return Resume("renew"), ""
    return _resume(version, lessons, state, attempt)


def _sooner(entry: Assignment, than: Assignment) -> bool:
    """Whether ``entry`` asks for more, sooner: work to do before work done, then the earlier due date."""
    return (entry.completed, entry.due_on or date.max) < (than.completed, than.due_on or date.max)


def _certificate_records(
    completions: list[tuple[CompletionRow, str | None, datetime | None, datetime | None, int | None]], now: datetime
) -> tuple[dict[int, list[CertificateRecord]], dict[int, Any]]:
    """Every completion (``_learner_rows``, newest first) as its certificate stands at ``now``, by module, and
    each module's newest as ``service.progress_by_module`` takes them."""
    found: dict[int, list[CertificateRecord]] = {}
    newest: dict[int, Any] = {}
    for completion, code, valid_until, revoked_at, days in completions:
        found.setdefault(completion.module_id, []).append(_record(completion, code, valid_until, revoked_at, now))
        newest.setdefault(completion.module_id, (completion, valid_until, revoked_at, days))
    return found, newest


def _record(
    completion: CompletionRow,
    code: str | None,
    valid_until: datetime | None,
    revoked_at: datetime | None,
    now: datetime,
) -> CertificateRecord:
    """How one certificate stands at ``now`` (the same end as ``renewal.stops_counting``)."""
    if revoked_at is not None and (valid_until is None or revoked_at < valid_until):
        return CertificateRecord(completion, None, "revoked", revoked_at)
    if valid_until is None:
        return CertificateRecord(completion, code, "valid", None)
    if valid_until <= now:
        return CertificateRecord(completion, code, "expired", valid_until)
    if valid_until <= now + timedelta(days=renewal.EXPIRY_WARNING_DAYS):
        return CertificateRecord(completion, code, "expiring", valid_until)
    return CertificateRecord(completion, code, "valid-until", valid_until)


def _lessons_by_version(versions: list[ModuleVersion], language: str) -> dict[int, list[service.LessonSummary]]:
    """Each version's lessons in order, titled in ``language`` where translated and otherwise in the
    version's own language: kept per published version (``version_cache``), the ones not kept yet read
    in one query for all of them."""
    if not versions:
        return {}
    return {version_id: list(found) for version_id, found in version_cache.lessons_of(versions, language).items()}


@dataclass(frozen=True)
class _OpenAttempt:
    id: int
    purpose: str
    next_number: int | None  # first unanswered question; None when all are answered


@dataclass(frozen=True)
class _Attempt:
    id: int
    version_id: int
    purpose: str


def _open_attempts(newest: dict[int, _Attempt]) -> dict[int, _OpenAttempt]:
    """Each module's unfinished attempt (the newest, by module) with its first unanswered question: two
    queries when there is one."""
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
    """Where "Continue" goes and the lesson title to show: an unfinished attempt first, then the first
    lesson not completed (in the module's order), then the quiz; the module page when there is nothing
    left. With no lesson completed and no attempt open, "Start": the module's page."""
    if attempt is not None:
        if attempt.next_number is None:
            return Resume("check", attempt.purpose, attempt_id=attempt.id), ""
        return Resume("question", attempt.purpose, attempt_id=attempt.id, number=attempt.next_number), ""
    if not state.completed_lessons:
        return Resume("module", begun=False), ""
    following = service.continue_lesson(state, lessons)
    if following is not None:
        return Resume("lesson", lesson_slug=following.slug), following.title
    if version.question_count:
        return Resume("quiz"), ""
    return Resume("module"), ""
