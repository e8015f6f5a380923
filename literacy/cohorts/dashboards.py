"""Dashboard figures for a cohort and for an organisation, built with a fixed number of set-based queries.

Both read the derived tables that ``literacy.summaries`` keeps (per learner and module, per cohort member,
and each cohort's answer tally), never raw progress or answers. The cohort dashboard runs the same nine
queries however many members the cohort has, then derives every figure from their rows; the organisation
view adds up member rows in SQL and hides any figure computed over fewer people than ``threshold``.

Completions count only while they are valid: each member's status in each module comes from
``literacy.renewal.classify`` (the rule My learning uses), judged at ``now``, so a certificate that expired
overnight shows as "Renewal due" the next morning without anything having been written.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from .. import renewal
from ..extensions import db
from ..models import (
    Cohort,
    CohortAnswerTally,
    CohortAssignment,
    CohortMember,
    LearnerModuleSummary,
    Module,
    ModuleVersion,
    Question,
    User,
    utc_date,
    utcnow,
)
from ..statistics import QuestionStatistics, Tally, count_choices
from ..tables import Column, Table, percent

NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE = "not_started", "in_progress", "completed", "overdue"
EXPIRING, RENEWAL_DUE, RENEWAL_OVERDUE = "expiring", "renewal_due", "renewal_overdue"
# Each member has exactly one of these per module, so a module's row adds up to the cohort's members.
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE, EXPIRING, RENEWAL_DUE, RENEWAL_OVERDUE)
VALID_STATUSES = frozenset({COMPLETED, EXPIRING})  # a completion that counts today
LATE_STATUSES = frozenset({OVERDUE, RENEWAL_OVERDUE})
RENEWAL_STATUSES = frozenset({RENEWAL_DUE, RENEWAL_OVERDUE})
STATUS_LABELS = {
    NOT_STARTED: _l("Not started"),
    IN_PROGRESS: _l("In progress"),
    COMPLETED: _l("Completed"),
    OVERDUE: _l("Overdue"),
    EXPIRING: _l("Expiring within %(days)s days", days=renewal.EXPIRY_WARNING_DAYS),
    RENEWAL_DUE: _l("Renewal due"),
    RENEWAL_OVERDUE: _l("Renewal overdue"),
}
REASON_LABELS = {
    renewal.Reason.EXPIRED: _l("Certificate expired"),
    renewal.Reason.EDITION: _l("New edition"),
}
CONFIDENCE_LABELS = {1: _l("Not sure"), 2: _l("Fairly sure"), 3: _l("Certain")}
SORTS = ("name", "email", "last_activity", "best_score", "completed")
PER_PAGE = 50


@dataclass
class AssignedModule:
    module_id: int
    slug: str
    title: str
    due_on: date | None
    edition: int
    version_id: int | None
    language: str
    assigned_on: date | None = None
    edition_on: date | None = None  # the day the live edition was first published


@dataclass
class Learner:
    user_id: int
    name: str
    email: str
    statuses: dict[int, str] = field(default_factory=dict)
    last_activity: datetime | None = None
    best_score: int | None = None
    completed: int = 0  # modules validly completed (completed or expiring)


@dataclass
class CohortDashboard:
    cohort: Cohort
    modules: list[AssignedModule]
    learners: list[Learner]
    headline: dict[str, Any]
    tables: dict[str, Table]
    questions: dict[int, list[QuestionStatistics]]  # module id -> question statistics, hardest first
    expiry_days: int = renewal.EXPIRY_WARNING_DAYS  # "expiring" means valid, but not for this many days more

    def table(self, key: str) -> Table:
        return self.tables[key]


def _members(cohort: Cohort):
    return select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None))


def _assigned(cohort: Cohort):
    return select(CohortAssignment.module_id).where(CohortAssignment.cohort_id == cohort.id)


def assigned_modules(cohort: Cohort) -> list[AssignedModule]:
    """The cohort's modules with their live version and the day its edition was first published (one query)."""
    first = renewal.edition_published()
    rows = db.session.execute(
        select(CohortAssignment.due_on, CohortAssignment.assigned_at, Module.id, Module.slug, ModuleVersion)
        .add_columns(first.c.published_at)
        .join(Module, Module.id == CohortAssignment.module_id)
        .outerjoin(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .outerjoin(first, and_(first.c.module_id == Module.id, first.c.edition == ModuleVersion.edition))
        .where(CohortAssignment.cohort_id == cohort.id)
        .order_by(CohortAssignment.due_on, Module.slug)
    )
    found = []
    for due_on, assigned_at, module_id, slug, version, edition_at in rows:
        title = version.text("title", version.language) if version else slug
        found.append(
            AssignedModule(
                module_id,
                slug,
                title,
                due_on,
                version.edition if version else 1,
                version.id if version else None,
                version.language if version else "en",
                _day(assigned_at),
                _day(edition_at),
            )
        )
    return found


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(UTC).date() if moment is not None else None


def _week(day: date) -> date:
    """The Monday of the week a day falls in."""
    return day - timedelta(days=day.weekday())


def cohort_dashboard(
    cohort: Cohort,
    today: date,
    *,
    now: datetime | None = None,
    grid: bool = True,
    answers: bool = True,
) -> CohortDashboard:
    """Every figure of a cohort's dashboard, from a fixed number of queries; validity judged at ``now``
    (default: the current time), due dates against ``today`` (the site's day).

    ``grid`` (learners, statuses, scores, gain, renewals) and ``answers`` (question statistics and
    calibration) can be left out when only one table is wanted, as for a CSV export.
    """
    modules = assigned_modules(cohort)
    people, headline, tables = _grid(cohort, modules, today, now or utcnow()) if grid else ([], {}, {})
    questions: dict[int, list[QuestionStatistics]] = {}
    if answers:
        groups = _response_groups(cohort)
        questions, tables["questions"] = question_statistics(modules, groups)
        tables["calibration"] = calibration(modules, groups)
    return CohortDashboard(cohort, modules, people, headline, tables, questions)


def _grid(
    cohort: Cohort, modules: list[AssignedModule], today: date, now: datetime
) -> tuple[list[Learner], dict[str, Any], dict[str, Table]]:
    """Each member's status in each assigned module, and every figure derived from them (two queries)."""
    learners = _learners(cohort)
    rows, days = _summary_rows(cohort, learners)
    per_module, renewals = _statuses(learners.values(), modules, rows, cohort.renewal_days, today, now)
    scores = _scores(learners, rows)
    people = list(learners.values())
    tables = {
        "modules": _modules_table(modules, per_module, scores),
        "scores": _scores_table(scores.best),
        "weeks": _weeks_table(days),
        "gain": _gain_table(modules, scores.gains),
        "renewals": _renewals_table(renewals),
    }
    return people, _headline(people, modules, scores.best), tables


# per person and module: (latest edition completed, best assessment, passed, lowest pre-check, valid until)
SummaryRow = tuple[int | None, int | None, bool, int | None, datetime | None]


def _learners(cohort: Cohort) -> dict[int, Learner]:
    return {
        user_id: Learner(user_id, name, email)
        for user_id, name, email in db.session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(_members(cohort))).order_by(User.name, User.id)
        )
    }


def _summary_rows(cohort: Cohort, learners: dict[int, Learner]) -> tuple[dict[tuple[int, int], SummaryRow], Counter]:
    """One read of the members' summary rows (a single scan on PostgreSQL): the rows by (person, module),
    and first completions per day; each learner's last activity is set on the way."""
    summary = LearnerModuleSummary
    rows: dict[tuple[int, int], SummaryRow] = {}
    days: Counter = Counter()
    for user_id, module_id, edition, best, passed_it, precheck, last, first_day, valid_until in db.session.execute(
        select(
            summary.user_id,
            summary.module_id,
            summary.completed_edition,
            summary.assessment_best,
            summary.assessment_passed,
            summary.precheck_lowest,
            summary.last_activity_at,
            utc_date(summary.first_completed_at),
            summary.valid_until,
        ).where(summary.user_id.in_(_members(cohort)), summary.module_id.in_(_assigned(cohort)))
    ):
        rows[(user_id, module_id)] = (edition, best, passed_it, precheck, valid_until)
        learner = learners[user_id]
        if learner.last_activity is None or last > learner.last_activity:
            learner.last_activity = last
        if first_day is not None:
            days[first_day] += 1
    return rows, days


def _statuses(
    learners: Iterable[Learner],
    modules: list[AssignedModule],
    rows: dict[tuple[int, int], SummaryRow],
    renewal_days: int | None,
    today: date,
    now: datetime,
) -> tuple[dict[int, Counter], list[list[Any]]]:
    """Set each learner's status in each module (``renewal.classify``, the one rule) and their count of valid
    completions; return the statuses counted per module, and the renewals due (expired certificates and
    completions of an older edition) with their renewal due dates."""
    # this runs members x modules times: plain locals, one dictionary look-up and one call per cell
    classify = renewal.classify
    completed, in_progress, renewal_due = renewal.State.COMPLETED, renewal.State.IN_PROGRESS, renewal.State.RENEWAL_DUE
    expiring = renewal.State.EXPIRING
    plan = [
        (module.module_id, module.edition, module.title, module.edition_on, module.assigned_on, module.due_on)
        for module in modules
    ]
    per_module: dict[int, Counter] = {module.module_id: Counter() for module in modules}
    renewals: list[list[Any]] = []
    for learner in learners:
        user_id, statuses = learner.user_id, learner.statuses
        for module_id, edition, title, edition_on, assigned_on, due_on in plan:
            row = rows.get((user_id, module_id))
            done, valid_until = (None, None) if row is None else (row[0], row[4])
            state, due, late, reason = classify(
                done, valid_until, row is not None, edition, edition_on, assigned_on, due_on, renewal_days, now, today
            )
            if state in (completed, expiring):
                status = COMPLETED if state == completed else EXPIRING
                learner.completed += 1
            elif state == renewal_due:
                status = RENEWAL_OVERDUE if late else RENEWAL_DUE
                renewals.append(
                    [
                        learner.name,
                        learner.email,
                        title,
                        REASON_LABELS[reason],
                        done,
                        edition,
                        valid_until,
                        due,
                        STATUS_LABELS[status],
                    ]
                )
            elif late:
                status = OVERDUE
            else:
                status = IN_PROGRESS if state == in_progress else NOT_STARTED
            statuses[module_id] = status
            per_module[module_id][status] += 1
    return per_module, renewals


@dataclass
class _Scores:
    """Best assessment scores: all of them, and per module those attempted, passed and with a pre-check."""

    best: list[int] = field(default_factory=list)
    attempted: Counter = field(default_factory=Counter)
    passed: Counter = field(default_factory=Counter)
    gains: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))  # (pre-check, best)


def _scores(learners: dict[int, Learner], rows: dict[tuple[int, int], SummaryRow]) -> _Scores:
    """The scores of the summary rows with an assessment; each learner's best score is set on the way."""
    scores = _Scores()
    for (user_id, module_id), (_done, best, passed_it, precheck, _valid_until) in rows.items():
        if best is None:
            continue
        scores.attempted[module_id] += 1
        scores.passed[module_id] += passed_it
        scores.best.append(best)
        learner = learners[user_id]
        if learner.best_score is None or best > learner.best_score:
            learner.best_score = best
        if precheck is not None:
            scores.gains[module_id].append((precheck, best))
    return scores


def _headline(people: list[Learner], modules: list[AssignedModule], best_scores: list[int]) -> dict[str, Any]:
    return {
        "members": len(people),
        "started": sum(1 for learner in people if learner.last_activity is not None or learner.completed),
        "completed": sum(1 for learner in people if modules and learner.completed == len(modules)),
        # each member counted once: due to renew, else expiring (as the organisation view counts them)
        "expiring": sum(
            1
            for learner in people
            if EXPIRING in learner.statuses.values() and RENEWAL_STATUSES.isdisjoint(learner.statuses.values())
        ),
        "renewal_due": sum(1 for learner in people if not RENEWAL_STATUSES.isdisjoint(learner.statuses.values())),
        "overdue": sum(1 for learner in people if not LATE_STATUSES.isdisjoint(learner.statuses.values())),
        "average_score": round(sum(best_scores) / len(best_scores), 1) if best_scores else None,
    }


def _modules_table(modules: list[AssignedModule], per_module: dict[int, Counter], scores: _Scores) -> Table:
    return Table(
        "modules",
        _l("Progress by module"),
        [
            Column("module", _l("Module")),
            Column("due_on", _l("Due")),
            *[Column(status, STATUS_LABELS[status], True) for status in STATUSES],
            Column("pass_rate", _l("Pass rate (%)"), True),
        ],
        [
            [
                module.title,
                module.due_on,
                *[per_module[module.module_id][status] for status in STATUSES],
                percent(scores.passed[module.module_id], scores.attempted[module.module_id]),
            ]
            for module in modules
        ],
        chart="completed",
        description=_l("Learners who have completed each assigned module."),
    )


def _scores_table(best_scores: list[int]) -> Table:
    bands = Counter(min(score // 10, 9) for score in best_scores)
    return Table(
        "scores",
        _l("Score distribution"),
        [Column("band", _l("Best assessment score (%)")), Column("learners", _l("Learners and modules"), True)],
        [[f"{band * 10}–{band * 10 + 9 if band < 9 else 100}", bands[band]] for band in range(10)],
        chart="learners",
        description=_l("How many best assessment scores fall in each band of ten percentage points."),
    )


def _weeks_table(days: Counter) -> Table:
    weeks: Counter = Counter()
    for day, count in days.items():
        weeks[_week(day)] += count
    return Table(
        "weeks",
        _l("Completions per week"),
        [Column("week", _l("Week beginning")), Column("completions", _l("Completions"), True)],
        [[week, weeks[week]] for week in sorted(weeks)],
        chart="completions",
        description=_l("Modules completed by members of this cohort, by the week of first completion."),
    )


def _gain_table(modules: list[AssignedModule], gains: dict[int, list[tuple[int, int]]]) -> Table:
    def average(values: list[int]) -> float:
        return round(sum(values) / len(values), 1)

    return Table(
        "gain",
        _l("Learning gain"),
        [
            Column("module", _l("Module")),
            Column("learners", _l("Learners with both"), True),
            Column("precheck", _l("Average pre-check score (%)"), True),
            Column("assessment", _l("Average assessment score (%)"), True),
            Column("gain", _l("Gain (percentage points)"), True),
        ],
        [
            [
                module.title,
                len(pairs),
                average([p for p, _ in pairs]),
                average([a for _, a in pairs]),
                average([a - p for p, a in pairs]),
            ]
            for module in modules
            if (pairs := gains.get(module.module_id))
        ],
        chart="gain",
        description=_l("Pre-check score (the lowest) against the best assessment score, for learners who took both."),
    )


def _renewals_table(renewals: list[list[Any]]) -> Table:
    """Renewals due: certificates that stopped counting and completions of an older edition, with the date
    each must be renewed by (the cohort's days to renew after it became needed); soonest first."""
    return Table(
        "renewals",
        _l("Renewals due"),
        [
            Column("name", _l("Name")),
            Column("email", _l("Email address")),
            Column("module", _l("Module")),
            Column("reason", _l("Reason")),
            Column("completed_edition", _l("Edition completed"), True),
            Column("current_edition", _l("Current edition"), True),
            Column("valid_until", _l("Valid until")),
            Column("renew_by", _l("Renew by")),
            Column("status", _l("Status")),
        ],
        sorted(renewals, key=lambda row: (row[7], row[2], row[0])),
    )


def _response_groups(cohort: Cohort) -> list[tuple]:
    """The cohort's answer tally (kept by ``literacy.summaries``): (module, question, answer as JSON or
    empty for typed answers, confidence or 0, correct, count, sum of rest scores, sum of their squares)."""
    tally = CohortAnswerTally
    return db.session.execute(
        select(
            tally.module_id,
            tally.question_key,
            tally.answer,
            tally.confidence,
            tally.correct,
            tally.answers,
            tally.rest_sum,
            tally.rest_squares,
        ).where(tally.cohort_id == cohort.id, tally.module_id.in_(_assigned(cohort)), tally.answers > 0)
    ).all()


def question_statistics(
    modules: list[AssignedModule], groups: list[tuple]
) -> tuple[dict[int, list[QuestionStatistics]], Table]:
    """Facility, discrimination (with the rest of the attempt's marks) and how often each option was chosen,
    computed as in the trainers' statistics (``literacy.statistics``); per module, hardest first."""
    tallies: dict[tuple[int, str], Tally] = defaultdict(Tally)
    chosen: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for module_id, key, answer, _confidence, is_correct, count, rest_sum, rest_squares in groups:
        count_choices(chosen[(module_id, key)], answer, count)
        tallies[(module_id, key)].add(count, bool(is_correct), float(rest_sum or 0), float(rest_squares or 0))
    texts = _assessment_questions(modules)
    found: dict[int, list[QuestionStatistics]] = defaultdict(list)
    for (module_id, key), tally in tallies.items():
        question, options = texts.get((module_id, key)), chosen[(module_id, key)]
        prompt_html = question.prompt_html if question else key
        found[module_id].append(QuestionStatistics.of(key, prompt_html, tally, _options(question, options), options))
    for items in found.values():
        items.sort(key=lambda item: (item.stats.facility if item.stats.facility is not None else 2, item.key))
    return dict(found), _questions_table(modules, found)


def _assessment_questions(modules: list[AssignedModule]) -> dict[tuple[int, str], Question]:
    """The assessment questions of the modules' live versions, in each version's own language."""
    versions = {module.version_id: module for module in modules if module.version_id}
    texts: dict[tuple[int, str], Question] = {}
    for question in db.session.scalars(
        select(Question).where(Question.version_id.in_(list(versions)), Question.purpose == "assessment")
    ):
        module = versions[question.version_id]
        if question.language == module.language:
            texts[(module.module_id, question.key)] = question
    return texts


def _options(question: Question | None, chosen: Counter) -> list[tuple[str, str, bool]]:
    """(key, text, is correct) of the question's options; those chosen when the live version lacks them."""
    labels = {option["key"]: option.get("html", option["key"]) for option in (question.options if question else [])}
    correct = question.answer.get("correct", []) if question and isinstance(question.answer, dict) else []
    return [(key, labels.get(key, key), key in correct) for key in (labels or list(chosen))]


def _questions_table(modules: list[AssignedModule], found: dict[int, list[QuestionStatistics]]) -> Table:
    """Facility as a percentage with one decimal, discrimination with two, as the page shows them."""
    rows = []
    for module in modules:
        for item in found.get(module.module_id, []):
            facility, discrimination = item.stats.facility, item.stats.discrimination
            rows.append([
                module.title,
                item.key,
                item.stats.answers,
                round(100 * facility, 1) if facility is not None else None,
                round(discrimination, 2) if discrimination is not None else None,
            ])
    return Table(
        "questions",
        _l("Hardest questions"),
        [
            Column("module", _l("Module")),
            Column("question", _l("Question")),
            Column("responses", _l("Answers"), True),
            Column("facility", _l("Facility (% correct)"), True),
            Column("discrimination", _l("Discrimination"), True),
        ],
        rows,
    )


def option_rows(questions: dict[int, list[QuestionStatistics]], modules: list[AssignedModule]) -> Table:
    """How often each option was chosen, one row per question and option (for the CSV)."""
    titles = {module.module_id: module.title for module in modules}
    rows = [
        [titles.get(module_id, ""), item.key, _plain(option.html), option.count, "yes" if option.is_correct else "no"]
        for module_id, items in questions.items()
        for item in items
        for option in item.options
    ]
    return Table(
        "options",
        _l("Options chosen"),
        [
            Column("module", _l("Module")),
            Column("question", _l("Question")),
            Column("option", _l("Option")),
            Column("chosen", _l("Times chosen"), True),
            Column("correct", _l("Correct option")),
        ],
        rows,
    )


def _plain(html: str) -> str:
    """Option text without its (already sanitised) markup, for the CSV."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip())


def calibration(modules: list[AssignedModule], groups: list[tuple]) -> Table:
    """For answers given with a confidence, how often each level was wrong ("certain" but wrong matters)."""
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for module_id, _key, _answer, confidence, is_correct, count, _sx, _sxx in groups:
        if not confidence:  # 0: the question did not ask
            continue
        counts[(module_id, confidence)][0] += count
        counts[(module_id, confidence)][1] += 0 if is_correct else count
    rows = []
    for module in modules:
        for level in (3, 2, 1):
            if (module.module_id, level) in counts:
                n, wrong = counts[(module.module_id, level)]
                rows.append([module.title, CONFIDENCE_LABELS[level], n, wrong, percent(wrong, n)])
    return Table(
        "calibration",
        _l("Confidence and correctness"),
        [
            Column("module", _l("Module")),
            Column("confidence", _l("Confidence")),
            Column("answers", _l("Answers"), True),
            Column("wrong", _l("Wrong"), True),
            Column("wrong_share", _l("Wrong (%)"), True),
        ],
        rows,
    )


# --- the learners table ---------------------------------------------------------------------------------


@dataclass
class LearnerFilter:
    search: str = ""
    module_id: int | None = None
    status: str | None = None
    sort: str = "name"
    descending: bool = False


def filter_learners(dashboard: CohortDashboard, wanted: LearnerFilter) -> list[Learner]:
    """The learners matching a filter, sorted (people without a value sort last)."""
    found = dashboard.learners
    if wanted.search:
        needle = wanted.search.strip().lower()
        found = [learner for learner in found if needle in learner.name.lower() or needle in learner.email]
    if wanted.status in STATUSES:
        if wanted.module_id is not None:
            found = [learner for learner in found if learner.statuses.get(wanted.module_id) == wanted.status]
        else:
            found = [learner for learner in found if wanted.status in learner.statuses.values()]
    sort = wanted.sort if wanted.sort in SORTS else "name"
    present = [learner for learner in found if getattr(learner, sort) is not None]
    missing = [learner for learner in found if getattr(learner, sort) is None]
    key = (
        (lambda learner: (learner.name.lower(), learner.user_id))
        if sort == "name"
        else (lambda learner: (getattr(learner, sort), learner.name.lower()))
    )
    return sorted(present, key=key, reverse=wanted.descending) + missing


def learners_table(dashboard: CohortDashboard, learners: list[Learner]) -> Table:
    return Table(
        "learners",
        _l("Learners"),
        [
            Column("name", _l("Name")),
            Column("email", _l("Email address")),
            *[Column(f"module-{module.module_id}", module.title) for module in dashboard.modules],
            Column("last_activity", _l("Last activity")),
            Column("best_score", _l("Best score (%)"), True),
        ],
        [
            [
                learner.name,
                learner.email,
                *[STATUS_LABELS[learner.statuses[module.module_id]] for module in dashboard.modules],
                learner.last_activity,
                learner.best_score,
            ]
            for learner in learners
        ],
    )


__all__ = [
    "COMPLETED",
    "EXPIRING",
    "RENEWAL_DUE",
    "RENEWAL_OVERDUE",
    "IN_PROGRESS",
    "NOT_STARTED",
    "OVERDUE",
    "PER_PAGE",
    "SORTS",
    "STATUSES",
    "STATUS_LABELS",
    "CohortDashboard",
    "LearnerFilter",
    "cohort_dashboard",
    "filter_learners",
    "learners_table",
    "option_rows",
]
