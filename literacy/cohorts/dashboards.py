"""A cohort's dashboard, computed in SQL with a fixed number of set-based queries.

It reads the derived tables that ``literacy.summaries`` keeps (per learner and module, and each cohort's
answer tally), never raw progress or answers. Every figure is a GROUP BY over one "cells" subquery (one
row per current member and assigned module, with the member's status) or over the summary rows, so the
database does the counting and Python only lays out a few rows: a 5,000-member cohort is as many queries
as a 5-member one, and no member becomes a Python object unless their row is shown. The learners table is
filtered, sorted and paged in SQL; its CSV export streams the same select from a server-side cursor.

Completions count only while they are valid: each member's status in each module is ``literacy.renewal``'s
rule in its SQL form (``renewal.expressions``, tested against ``renewal.classify``), judged at ``now``, so
a certificate that expired overnight shows as "Renewal due" the next morning without anything written.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from html import unescape
from typing import Any

from markupsafe import Markup
from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from .. import renewal, summaries
from ..extensions import db
from ..i18n import lazy_gettext as _l
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
    UTCDateTime,
    utc_date,
    utcnow,
)
from ..statistics import QuestionStatistics, Tally, count_choices
from ..tables import Column, Table, escape_cell, percent
from ..titles import page_language, title_in

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
    """A cohort's dashboard: each part is computed in SQL the first time it is asked for, so a page runs a
    fixed number of queries whatever the cohort's size, and a CSV export runs only those of its own table
    (modules.csv never builds the learners grid). Validity is judged at ``now``, due dates against ``today``.
    """

    cohort: Cohort
    today: date
    now: datetime
    expiry_days: int = renewal.EXPIRY_WARNING_DAYS  # "expiring" means valid, but not for this many days more
    whole: bool = False  # the whole page will be shown: read what several parts share once (``shared``)
    _tables: dict[str, Table] = field(default_factory=dict, repr=False)

    @cached_property
    def modules(self) -> list[AssignedModule]:
        return assigned_modules(self.cohort)

    @cached_property
    def postgresql(self) -> bool:
        return db.session.get_bind().dialect.name == "postgresql"

    @cached_property
    def shape(self) -> tuple:
        """Everything the dashboard's statements are made of except the moment (the bind parameters of
        ``params``): the statements are built once per shape and kept (``_statement``)."""
        return (
            self.postgresql,
            self.cohort.id,
            self.cohort.renewal_days,
            self.today,
            tuple(
                (module.module_id, module.edition, module.due_on, module.assigned_on, module.edition_on)
                for module in self.modules
            ),
        )

    @cached_property
    def params(self) -> dict[str, datetime]:
        """The values of the moment's bind parameters (``_NOW``, ``_SOON``) in the statements."""
        return {"now": self.now, "soon": self.now + timedelta(days=renewal.EXPIRY_WARNING_DAYS)}

    @cached_property
    def together(self) -> bool:
        """Whether the combinations, scores and renewals come from one read (``shared``): for the whole page
        on PostgreSQL; an export computes only its own table."""
        return self.whole and self.postgresql and bool(self.modules)

    @cached_property
    def shared(self) -> _SharedReads:
        """PostgreSQL: the status combinations, the scores and the renewals from one read of the members'
        summary rows (``_shared_reads``)."""
        return _shared_reads(self)

    @cached_property
    def combinations(self) -> list[tuple[tuple[str, ...], bool, int]]:
        if self.together:
            return self.shared.combinations
        return _combinations(self)

    @cached_property
    def member_rows(self) -> Any:
        """The LATERAL subquery of each member's folded summary rows (PostgreSQL; ``_member_rows``), built
        once per shape: the status combinations and the page's rows both join it (building it costs ~3 ms)."""
        return _statement(("member_rows", self.shape), lambda: _member_rows(self))

    @cached_property
    def headline(self) -> dict[str, Any]:
        return _headline(self)

    @cached_property
    def scores(self) -> _Scores:
        if self.together:
            return self.shared.scores
        return _scores(self.cohort, [module.module_id for module in self.modules])

    @cached_property
    def groups(self) -> list[tuple]:
        return _response_groups(self.cohort)

    @cached_property
    def questions(self) -> dict[int, list[QuestionStatistics]]:
        """Module id -> question statistics, hardest first (the questions table is made with them)."""
        questions, self._tables["questions"] = question_statistics(self.modules, self.groups)
        return questions

    @property
    def learners(self) -> list[Learner]:
        """Every member with their statuses, sorted by name (one query)."""
        return filter_learners(self, LearnerFilter())

    def table(self, key: str) -> Table:
        if key not in self._tables:
            if key == "questions":
                self.questions  # noqa: B018 - made with the statistics
            else:
                self._tables[key] = TABLES[key](self)
        return self._tables[key]


#: statements kept by what they are made of (``_statement``); a few per cohort, day and filter
_STATEMENTS: dict[tuple, Any] = {}
_STATEMENTS_KEPT = 512
#: the moment a dashboard is judged at and the end of its expiry warning, bound when a statement runs
#: (``CohortDashboard.params``), so that a statement kept from an earlier request serves the next one
_NOW = bindparam("now", type_=UTCDateTime())
_SOON = bindparam("soon", type_=UTCDateTime())


def _statement(key: tuple, build: Any) -> Any:
    """The statement ``build()`` makes, made once per ``key`` (what it is made of: the cohort, its modules,
    the day, a filter's shape; never the moment or a searched text, which are bind parameters): building a
    dashboard's selects cost more Python each request than SQLite took to run them for 500 members, and a
    kept statement also finds its compiled form in SQLAlchemy's cache at once. Thread-safe enough: two
    threads may each build one, and either is right."""
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = build()
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.clear()
        _STATEMENTS[key] = statement
    return statement


def _members(cohort: Cohort):
    return select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None))


def _assigned(cohort: Cohort):
    return select(CohortAssignment.module_id).where(CohortAssignment.cohort_id == cohort.id)


def assigned_modules(cohort: Cohort) -> list[AssignedModule]:
    """The cohort's modules with their live version and the day its edition was first published (one query);
    each title in the page's language where the version has one (``titles.title_in``: it knows its language)."""
    language = page_language()

    def build() -> Any:
        first = renewal.edition_published()
        version = ModuleVersion
        return (
            select(
                CohortAssignment.due_on,
                CohortAssignment.assigned_at,
                Module.id,
                Module.slug,
                version.id,
                version.texts,
                version.language,
                version.edition,
                first.c.published_at,
            )
            .join(Module, Module.id == CohortAssignment.module_id)
            .outerjoin(version, version.id == Module.current_version_id)
            .outerjoin(first, and_(first.c.module_id == Module.id, first.c.edition == version.edition))
            .where(CohortAssignment.cohort_id == bindparam("cohort_id"))
            .order_by(CohortAssignment.due_on, Module.slug)
        )

    rows = db.session.execute(_statement(("assigned",), build), {"cohort_id": cohort.id})
    found = []
    for due_on, assigned_at, module_id, slug, version_id, texts, version_language, edition, edition_at in rows:
        title = title_in(texts, version_language, language) if version_id is not None else slug
        found.append(
            AssignedModule(
                module_id,
                slug,
                title,
                due_on,
                edition if version_id is not None else 1,
                version_id,
                version_language if version_id is not None else "en",
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
    whole: bool = False,
) -> CohortDashboard:
    """A cohort's dashboard; validity judged at ``now`` (default: the current time), due dates against
    ``today`` (the site's day). Nothing is read until a figure is asked for, then only what it needs;
    ``whole``: the page shows every part, so the parts that read the same rows read them together.

    ``grid`` and ``answers`` are kept for callers that used to leave parts out: every part is lazy now.
    """
    del grid, answers
    summaries.plan_for_cached_reads()
    return CohortDashboard(cohort, today, now or utcnow(), whole=whole)


# --- the grid, in SQL ------------------------------------------------------------------------------------


class _greatest(FunctionElement[Any]):
    """The largest of several values, ignoring NULLs (NULL only when all are), on either database."""

    name = "greatest_of"
    inherit_cache = True


@compiles(_greatest)
def _greatest_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLite's scalar max() is NULL when any argument is: each term falls back on the others instead
    values = [compiler.process(value, **kw) for value in element.clauses]
    if len(values) == 1:
        return values[0]
    terms = [f"coalesce({value}, {', '.join(values[:i] + values[i + 1 :])})" for i, value in enumerate(values)]
    return f"max({', '.join(terms)})"


@compiles(_greatest, "postgresql")
def _greatest_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


def _status(summary: Any, module: AssignedModule, renewal_days: int | None, today: date, *, codes: bool = False) -> Any:
    """A member's status in one assigned module, as SQL over their summary row (outer-joined): the rule of
    ``renewal.classify`` for this one assignment, judged at the bound moment (``_NOW``), with everything known
    of the module and the cohort (live edition, when it was published and assigned, due date, days to
    renew) as constants, so each cell
    is a few comparisons of stored values and no date arithmetic (the test oracle checks it against
    ``classify``: tests/test_exports_streaming.py).

    Renewal is late when its date to renew by (``renewal.renewal_due_on``: the later of the day it became
    needed and the day of the assignment, plus the days to renew) is before today, that is when both days
    are before ``today - days``; for an expired certificate, when it stopped counting before that day began.
    """
    at, soon = _NOW, _SOON
    late_work = module.due_on is not None and module.due_on < today
    cutoff = today - timedelta(days=renewal_days or renewal.DEFAULT_RENEWAL_DAYS)
    assigned_early = module.assigned_on is None or module.assigned_on < cutoff
    edition_early = module.edition_on is not None and module.edition_on < cutoff
    expired = summary.valid_until <= at
    stale = summary.completed_edition < module.edition
    cutoff_began = literal(renewal.start_of_day_after(cutoff - timedelta(days=1)), UTCDateTime())
    late_renewal = (
        or_(
            and_(expired, summary.valid_until < cutoff_began),
            and_(stale, true() if edition_early else false()),
        )
        if assigned_early
        else false()
    )
    def value(status: str) -> Any:
        return literal(STATUSES.index(status)) if codes else literal(status)

    found = case(
        (summary.user_id.is_(None), value(_untouched(module, today))),
        (summary.completed_edition.is_(None), value(OVERDUE if late_work else IN_PROGRESS)),
        (or_(expired, stale), case((late_renewal, value(RENEWAL_OVERDUE)), else_=value(RENEWAL_DUE))),
        (summary.valid_until <= soon, value(EXPIRING)),
        else_=value(COMPLETED),
    )
    return type_coerce(found, Integer() if codes else String())


def _untouched(module: AssignedModule, today: date) -> str:
    """The status of a member with no summary row for the module: overdue once its due date has passed."""
    return OVERDUE if module.due_on is not None and module.due_on < today else NOT_STARTED


def _member_rows(dashboard: CohortDashboard) -> Any:
    """One member's summary rows in the assigned modules folded into one row (PostgreSQL): the status in
    each module as r0, r1, ..., last activity, best score, validly completed modules and how many rows
    there are. A LATERAL subquery over ``CohortMember``: an aggregate without GROUP BY, so every member has
    its row (NULLs and 0 rows when they have no summary row) and PostgreSQL reads each member's rows by
    primary key. Joined as a set instead, the planner reads every summary row of the cohort's modules and
    hashes the members (in one cohort's case, 196,000 rows for 5,000 members: three times as long)."""
    cohort, modules, today = dashboard.cohort, dashboard.modules, dashboard.today
    summary = LearnerModuleSummary
    at = _NOW
    valid = case(
        (
            and_(
                or_(
                    *[
                        and_(summary.module_id == module.module_id, summary.completed_edition >= module.edition)
                        for module in modules
                    ]
                ),
                or_(summary.valid_until.is_(None), summary.valid_until > at),
            ),
            1,
        ),
        else_=0,
    )
    return (
        select(
            *[
                func.max(
                    case(
                        (
                            summary.module_id == module.module_id,
                            _status(summary, module, cohort.renewal_days, today),
                        )
                    )
                ).label(f"r{index}")
                for index, module in enumerate(modules)
            ],
            func.max(summary.last_activity_at).label("last_activity"),
            func.max(summary.assessment_best).label("best_score"),
            func.sum(valid).label("completed"),
            func.count().label("rows"),
        )
        .where(
            summary.user_id == CohortMember.user_id,
            summary.module_id.in_([module.module_id for module in modules]),
        )
        .lateral("member_rows")
    )


def _grid(
    dashboard: CohortDashboard,
    *,
    people: bool = True,
    rows: bool = True,
    only: bool = False,
    postgresql: bool | None = None,
):
    """One row per current member: (user_id, name, email, a status per module in the order of ``modules``
    as s0, s1, ..., last activity, best score, started, validly completed modules). A select to wrap.

    ``people`` False leaves out the name and email (no join of the users), ``rows`` False leaves out
    everything the summary rows give (a sort by name needs none of it), ``only`` keeps just the members
    of the bind parameter ``only`` (a list).
    The summary rows are read as suits each database: PostgreSQL folds each member's rows by key in a
    LATERAL subquery (``_member_rows``), SQLite looks up each assigned module's row by primary key
    (``_joined_rows``), which costs it half as much as grouping."""
    cohort, modules = dashboard.cohort, dashboard.modules
    columns = [CohortMember.user_id.label("user_id")]
    if people:
        columns += [User.name.label("name"), User.email.label("email")]
    statement = select(*columns).select_from(CohortMember)
    if people:
        statement = statement.join(User, User.id == CohortMember.user_id)
    statement = statement.where(CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None))
    if only:
        statement = statement.where(CohortMember.user_id.in_(bindparam("only", expanding=True)))
    if not rows:
        return statement
    if not modules:
        return statement.add_columns(
            null().label("last_activity"),
            null().label("best_score"),
            false().label("started"),
            literal(0).label("completed"),
        )
    if postgresql is None:
        postgresql = db.session.get_bind().dialect.name == "postgresql"
    if not postgresql:
        return _joined_rows(dashboard, statement)
    found = dashboard.member_rows
    return statement.join(found, true()).add_columns(
        *[
            type_coerce(
                func.coalesce(found.c[f"r{index}"], literal(_untouched(module, dashboard.today))), String()
            ).label(f"s{index}")
            for index, module in enumerate(modules)
        ],
        type_coerce(found.c.last_activity, UTCDateTime()).label("last_activity"),
        type_coerce(found.c.best_score, Integer()).label("best_score"),
        (found.c.rows > 0).label("started"),
        type_coerce(func.coalesce(found.c.completed, 0), Integer()).label("completed"),
    )


#: the summary table's aliases m0, m1, ... made once: an alias copies each of the table's columns, and the page
#: built the same six twice a request (132 column copies)
_ALIASES: list[Any] = []


_ALIASES_LOCK = threading.Lock()


def _summary_aliases(count: int) -> list[Any]:
    if len(_ALIASES) < count:
        with _ALIASES_LOCK:  # threads of one worker: each name once, at its place
            while len(_ALIASES) < count:
                _ALIASES.append(aliased(LearnerModuleSummary, name=f"m{len(_ALIASES)}"))
    return _ALIASES[:count]


def _joined_rows(dashboard: CohortDashboard, statement: Any) -> Any:
    """The grid's columns from one outer join per assigned module, by primary key (no grouping)."""
    cohort, modules, today = dashboard.cohort, dashboard.modules, dashboard.today
    at = _NOW
    rows = _summary_aliases(len(modules))
    for row, module in zip(rows, modules, strict=True):
        statement = statement.outerjoin(
            row, and_(row.user_id == CohortMember.user_id, row.module_id == module.module_id)
        )
    valid = [
        case(
            (
                and_(
                    row.completed_edition >= module.edition,
                    or_(row.valid_until.is_(None), row.valid_until > at),
                ),
                1,
            ),
            else_=0,
        )
        for row, module in zip(rows, modules, strict=True)
    ]
    return statement.add_columns(
        *[
            _status(row, module, cohort.renewal_days, today).label(f"s{index}")
            for index, (row, module) in enumerate(zip(rows, modules, strict=True))
        ],
        type_coerce(_greatest(*[row.last_activity_at for row in rows]), UTCDateTime()).label("last_activity"),
        type_coerce(_greatest(*[row.assessment_best for row in rows]), Integer()).label("best_score"),
        or_(*[row.user_id.is_not(None) for row in rows]).label("started"),
        type_coerce(sum(valid[1:], valid[0]), Integer()).label("completed"),
    )


def _combinations(dashboard: CohortDashboard) -> list[tuple[tuple[str, ...], bool, int]]:
    """How many members have each combination of statuses (one per module) and of having started: a
    GROUP BY over the grid, a few dozen rows, from which the headline and the module table are added up."""

    def build() -> Any:
        grid = _grid(dashboard, people=False).subquery("grid")
        keys = [grid.c[f"s{index}"] for index in range(len(dashboard.modules))]
        return select(*keys, grid.c.started, func.count()).group_by(*keys, grid.c.started)

    statement = _statement(("combinations", dashboard.shape), build)
    return [(tuple(row[:-2]), bool(row[-2]), row[-1]) for row in db.session.execute(statement, dashboard.params)]


def _per_module_statuses(dashboard: CohortDashboard) -> dict[int, Counter]:
    """How many members have each status in each module."""
    found: dict[int, Counter] = {module.module_id: Counter() for module in dashboard.modules}
    for statuses, _started, count in dashboard.combinations:
        for module, status in zip(dashboard.modules, statuses, strict=True):
            found[module.module_id][status] += count
    return found


def _headline(dashboard: CohortDashboard) -> dict[str, Any]:
    """Members, started, validly completed everything, expiring, due to renew, overdue (each member counted
    once: due to renew, else expiring, as the organisation view counts them) and the average best score."""
    figures = Counter()
    for statuses, started, count in dashboard.combinations:
        present = set(statuses)
        renewing = not RENEWAL_STATUSES.isdisjoint(present)
        figures["members"] += count
        figures["started"] += count if started else 0
        figures["completed"] += count if statuses and present <= VALID_STATUSES else 0
        figures["expiring"] += count if EXPIRING in present and not renewing else 0
        figures["renewal_due"] += count if renewing else 0
        figures["overdue"] += count if not LATE_STATUSES.isdisjoint(present) else 0
    best = dashboard.scores
    return {
        **{name: figures[name] for name in ("members", "started", "completed", "expiring", "renewal_due", "overdue")},
        "average_score": round(best.total / best.count, 1) if best.count else None,
    }


@dataclass
class _Scores:
    """Best assessment scores of the members' rows (GROUP BY module and band of ten): in each band, per
    module attempted and passed, and the sums the learning gain needs (rows with a pre-check too)."""

    bands: Counter = field(default_factory=Counter)
    attempted: Counter = field(default_factory=Counter)
    passed: Counter = field(default_factory=Counter)
    gains: dict[int, list[int]] = field(default_factory=dict)  # module -> [learners, pre-check sum, best sum]
    weeks: Counter | None = None  # Monday -> first completions, when counted in the same pass (PostgreSQL)
    total: int = 0
    count: int = 0


def _grouped_with_weeks() -> bool:
    """PostgreSQL counts the first completions per day in the scores' pass (GROUPING SETS): one read of the
    members' rows for both; SQLite has no GROUPING SETS and reads them twice."""
    return db.session.get_bind().dialect.name == "postgresql"


def _members_summaries(
    cohort: Cohort, modules: list[int], *columns: str, where: Any = None
) -> tuple[Any, Any, list[Any]]:
    """The cohort's current members' summary rows in these (its assigned) modules, those ``where`` keeps
    (given the columns), as (a FROM to select from, its columns by name, the WHERE terms to add).

    PostgreSQL reads each member's rows by primary key in a LATERAL subquery, kept apart by OFFSET 0:
    joined as a set, the planner scans every summary row of the modules and hashes the members, several
    times as long for 5,000 of 50,000 people. SQLite reads the summary table with ``user_id IN`` them."""
    summary = LearnerModuleSummary.__table__
    scope = [summary.c.module_id.in_(modules)]
    if where is not None:
        scope.append(where(summary.c))
    if db.session.get_bind().dialect.name != "postgresql":
        return summary, summary.c, [summary.c.user_id.in_(_members(cohort)), *scope]
    rows = (
        select(*[summary.c[name] for name in columns])
        .where(summary.c.user_id == CohortMember.user_id, *scope)
        .offset(0)
        .lateral("members_rows")
    )
    source = CohortMember.__table__.join(rows, true())
    return source, rows.c, [CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None)]


@dataclass
class _SharedReads:
    """What three parts of a PostgreSQL dashboard take from one read of the members' summary rows."""

    combinations: list[tuple[tuple[str, ...], bool, int]]
    scores: _Scores
    renewals: list[tuple[str, str, int, int, datetime | None]]  # name order, as ``_renewals_of`` takes them


def _shared_reads(dashboard: CohortDashboard) -> _SharedReads:
    """PostgreSQL: the status combinations, the scores (with first completions per day) and the renewals in
    one statement. Each current member's summary rows are read once, by key (LATERAL), into a materialised
    CTE, and the three aggregates over it come back as JSON arrays in one row. As three statements, each
    reading the rows again, this was two thirds of a 5,000-member dashboard's time (3 x 35-70 ms); the
    statuses are small integers (indexes into ``STATUSES``) so that grouping 5,000 members by six of them
    compares integers, not text in the database's collation."""
    statement = _statement(("shared", dashboard.shape), lambda: _shared_statement(dashboard))
    combined, grouped, renewals = db.session.execute(statement, dashboard.params).one()
    scores = _added_scores(
        _Scores(weeks=Counter()),
        [(*group[:2], date.fromisoformat(group[2]) if group[2] else None, *group[3:]) for group in grouped],
    )
    return _SharedReads(
        [(tuple(STATUSES[code] for code in row[:-2]), bool(row[-2]), row[-1]) for row in combined],
        scores,
        [
            (name, email, module_id, done, datetime.fromisoformat(until).astimezone(UTC) if until else None)
            for name, email, module_id, done, until, _user_id in renewals
        ],
    )


def _shared_statement(dashboard: CohortDashboard) -> Any:
    cohort, modules, today = dashboard.cohort, dashboard.modules, dashboard.today
    summary = LearnerModuleSummary.__table__
    found = (
        select(
            summary.c.user_id,
            summary.c.module_id,
            summary.c.completed_edition,
            summary.c.valid_until,
            summary.c.assessment_best,
            summary.c.assessment_passed,
            summary.c.precheck_lowest,
            summary.c.first_completed_at,
        )
        .where(summary.c.user_id == CohortMember.user_id, summary.c.module_id.in_([m.module_id for m in modules]))
        .offset(0)
        .lateral("members_rows")
    )
    rows = (
        select(CohortMember.user_id.label("member"), *found.c)
        .select_from(CohortMember.__table__.outerjoin(found, true()))
        .where(CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None))
        .cte("rows")
        .prefix_with("MATERIALIZED")
    )
    folded = (
        select(
            *[
                func.max(
                    case(
                        (
                            rows.c.module_id == module.module_id,
                            _status(rows.c, module, cohort.renewal_days, today, codes=True),
                        )
                    )
                ).label(f"r{index}")
                for index, module in enumerate(modules)
            ],
            func.count(rows.c.module_id).label("rows"),
        )
        .group_by(rows.c.member)
        .subquery("folded")
    )
    keys = [
        func.coalesce(folded.c[f"r{index}"], literal(STATUSES.index(_untouched(module, today))))
        for index, module in enumerate(modules)
    ]
    started = folded.c.rows > 0
    combinations = select(*keys, started, func.count()).group_by(*keys, started).subquery("combinations")
    band = case((rows.c.assessment_best >= 90, 9), else_=rows.c.assessment_best // 10)
    day = utc_date(rows.c.first_completed_at)
    scored = (
        select(*_score_columns(rows.c, band, day, rows.c.precheck_lowest.is_not(None)))
        .where(or_(rows.c.assessment_best.is_not(None), rows.c.first_completed_at.is_not(None)))
        .group_by(func.grouping_sets(tuple_(rows.c.module_id, band), tuple_(day)))
        .subquery("scored")
    )
    renewing = (
        select(User.name, User.email, rows.c.module_id, rows.c.completed_edition, rows.c.valid_until, User.id)
        .select_from(rows)
        .join(User, User.id == rows.c.member)
        .where(_needing_renewal(dashboard, rows.c))
        .subquery("renewing")
    )

    def as_json(part: Any, *order: Any) -> Any:
        built: Any = func.json_build_array(*part.c)
        listed = func.json_agg(aggregate_order_by(built, *order) if order else built)
        return select(func.coalesce(listed, literal_column("'[]'::json"))).scalar_subquery()

    return select(as_json(combinations), as_json(scored), as_json(renewing, renewing.c.name, renewing.c.id))


def _scores(cohort: Cohort, modules: list[int]) -> _Scores:
    weeks = _grouped_with_weeks()
    statement = _statement(("scores", weeks, cohort.id, tuple(modules)), lambda: _scores_statement(cohort, modules))
    return _added_scores(_Scores(weeks=Counter() if weeks else None), db.session.execute(statement))


def _scores_statement(cohort: Cohort, modules: list[int]) -> Any:
    weeks = _grouped_with_weeks()
    source, summary, scope = _members_summaries(
        cohort,
        modules,
        "module_id",
        "assessment_best",
        "assessment_passed",
        "precheck_lowest",
        "first_completed_at",
        where=lambda c: (
            or_(c.assessment_best.is_not(None), c.first_completed_at.is_not(None))
            if weeks
            else c.assessment_best.is_not(None)
        ),
    )
    band = case((summary.assessment_best >= 90, 9), else_=summary.assessment_best // 10)
    with_precheck = summary.precheck_lowest.is_not(None)
    day: Any = null()
    groups: list[Any] = [summary.module_id, band]
    if weeks:
        day = utc_date(summary.first_completed_at)
        groups = [func.grouping_sets(tuple_(summary.module_id, band), tuple_(day))]
    return (
        select(*_score_columns(summary, band, day, with_precheck)).select_from(source).where(*scope).group_by(*groups)
    )


def _score_columns(summary: Any, band: Any, day: Any, with_precheck: Any) -> list[Any]:
    """Per group: module, band, day, rows, passed, sum of best scores, rows with a pre-check, their
    pre-check sum and their best sum."""
    return [
        summary.module_id,
        band,
        day,
        func.count(),
        func.sum(case((summary.assessment_passed, 1), else_=0)),
        func.sum(summary.assessment_best),
        func.count(summary.precheck_lowest),
        func.sum(summary.precheck_lowest),
        func.sum(case((with_precheck, summary.assessment_best))),
    ]


def _added_scores(scores: _Scores, groups: Any) -> _Scores:
    for module_id, band_of, first_day, rows, passed, total, paired, precheck_sum, paired_best in groups:
        if module_id is None:  # the grouping set of days (PostgreSQL)
            if first_day is not None and scores.weeks is not None:
                scores.weeks[_week(first_day)] += rows
            continue
        if band_of is None:  # rows with a first completion but no score
            continue
        scores.bands[int(band_of)] += rows
        scores.attempted[module_id] += rows
        scores.passed[module_id] += int(passed or 0)
        scores.total += int(total)
        scores.count += rows
        if paired:
            gain = scores.gains.setdefault(module_id, [0, 0, 0])
            gain[0] += paired
            gain[1] += int(precheck_sum)
            gain[2] += int(paired_best)
    return scores


def _modules_table(dashboard: CohortDashboard) -> Table:
    per_module, scores = _per_module_statuses(dashboard), dashboard.scores
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
            for module in dashboard.modules
        ],
        chart="completed",
        description=_l("Each bar is the number of learners who have completed the module."),
    )


def _scores_table(dashboard: CohortDashboard) -> Table:
    bands = dashboard.scores.bands
    return Table(
        "scores",
        _l("Score distribution"),
        [Column("band", _l("Best assessment score (%)")), Column("learners", _l("Learners and modules"), True)],
        [[f"{band * 10}–{band * 10 + 9 if band < 9 else 100}", bands[band]] for band in range(10)],
        chart="learners",
        description=_l(
            "Each bar is the number of best assessment scores (one per learner and module) in a band of ten "
            "percentage points."
        ),
    )


def _weeks_table(dashboard: CohortDashboard) -> Table:
    """First completions per week, from a GROUP BY day over the members' rows (a few hundred at most)."""
    if _grouped_with_weeks() and dashboard.scores.weeks is not None:
        return _weeks_of(dashboard.scores.weeks)
    cohort = dashboard.cohort

    def build() -> Any:
        summary = LearnerModuleSummary
        day = utc_date(summary.first_completed_at)
        return (
            select(day, func.count())
            .where(
                summary.user_id.in_(_members(cohort)),
                summary.module_id.in_(_assigned(cohort)),
                summary.first_completed_at.is_not(None),
            )
            .group_by(day)
        )

    weeks: Counter = Counter()
    for first_day, count in db.session.execute(_statement(("weeks", cohort.id), build)):
        weeks[_week(first_day)] += count
    return _weeks_of(weeks)


def _weeks_of(weeks: Counter) -> Table:
    return Table(
        "weeks",
        _l("Completions per week"),
        [Column("week", _l("Week beginning")), Column("completions", _l("Completions"), True)],
        [[week, weeks[week]] for week in sorted(weeks)],
        chart="completions",
        description=_l(
            "Each bar is the number of modules that members of this cohort completed for the first time that week."
        ),
    )


def _gain_table(dashboard: CohortDashboard) -> Table:
    gains = dashboard.scores.gains

    def average(total: int, count: int) -> float:
        return round(total / count, 1)

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
            [module.title, n, average(pre, n), average(best, n), average(best - pre, n)]
            for module in dashboard.modules
            if (gain := gains.get(module.module_id))
            for n, pre, best in [gain]
        ],
        chart="gain",
        description=_l(
            "Each bar is the average gain in percentage points from the pre-check score (the lowest) to the best "
            "assessment score, for learners who took both."
        ),
    )


def _renewals_table(dashboard: CohortDashboard) -> Table:
    """Renewals due: certificates that stopped counting and completions of an older edition, with the date
    each must be renewed by (the cohort's days to renew after it became needed); soonest first.

    SQL finds the members' completions that need renewing (stopped counting, or of an older edition than
    the live one); ``renewal.classify`` gives each its date and whether it is late (the rows are few)."""
    if dashboard.together:
        found = dashboard.shared.renewals
    else:
        statement = _statement(("renewals", dashboard.shape), lambda: _renewals_statement(dashboard))
        found = db.session.execute(statement, dashboard.params)
    return _renewals_of(dashboard, found)


def _renewals_statement(dashboard: CohortDashboard) -> Any:
    source, summary, scope = _members_summaries(
        dashboard.cohort,
        [module.module_id for module in dashboard.modules],
        "user_id",
        "module_id",
        "completed_edition",
        "valid_until",
        where=lambda summary: _needing_renewal(dashboard, summary),
    )
    return (
        select(User.name, User.email, summary.module_id, summary.completed_edition, summary.valid_until)
        .select_from(source)
        .join(User, User.id == summary.user_id)
        .where(*scope)
        .order_by(User.name, User.id)
    )


def _needing_renewal(dashboard: CohortDashboard, summary: Any) -> Any:
    """Completions that stopped counting or are of an older edition than the live one."""
    at = _NOW
    older = [
        and_(summary.module_id == module.module_id, summary.completed_edition < module.edition)
        for module in dashboard.modules
    ]
    return and_(summary.completed_edition.is_not(None), or_(summary.valid_until <= at, *older))


def _renewals_of(dashboard: CohortDashboard, found: Any) -> Table:
    """The renewals table from (name, email, module, edition completed, valid until) rows in name order."""
    cohort, modules = dashboard.cohort, {module.module_id: module for module in dashboard.modules}
    rows = []
    judged: dict[tuple, tuple] = {}  # many rows share a module, edition and end (often none): judged once
    for name, email, module_id, done, valid_until in found:
        module = modules[module_id]
        key = (module_id, done, valid_until)
        if key not in judged:
            judged[key] = renewal.classify(
                done, valid_until, True, module.edition, module.edition_on, module.assigned_on, module.due_on,
                cohort.renewal_days, dashboard.now, dashboard.today,
            )  # fmt: skip
        state, due, late, reason = judged[key]
        if state != renewal.State.RENEWAL_DUE:
            continue
        status = RENEWAL_OVERDUE if late else RENEWAL_DUE
        rows.append(
            [name, email, module.title, REASON_LABELS[reason], done, module.edition, valid_until, due,
             STATUS_LABELS[status]]
        )
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
        sorted(rows, key=lambda row: (row[7], row[2], row[0])),
    )


def _response_groups(cohort: Cohort) -> list[tuple]:
    """The cohort's answer tally (kept by ``literacy.summaries``): (module, question, answer as JSON or
    empty for typed answers, confidence or 0, correct, count, sum of rest scores, sum of their squares)."""
    tally = CohortAnswerTally

    def build() -> Any:
        return select(
            tally.module_id,
            tally.question_key,
            tally.answer,
            tally.confidence,
            tally.correct,
            tally.answers,
            tally.rest_sum,
            tally.rest_squares,
        ).where(tally.cohort_id == cohort.id, tally.module_id.in_(_assigned(cohort)), tally.answers > 0)

    return db.session.execute(_statement(("groups", cohort.id), build)).all()


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


def _assessment_questions(modules: list[AssignedModule]) -> dict[tuple[int, str], Any]:
    """The assessment questions of the modules' live versions, in each version's own language: rows of
    the columns the statistics show (no ORM objects: a page has dozens of questions)."""
    versions = {module.version_id: module for module in modules if module.version_id}
    texts: dict[tuple[int, str], Any] = {}

    def build() -> Any:
        versions = bindparam("versions", expanding=True)
        return select(
            Question.version_id,
            Question.key,
            Question.language,
            Question.prompt_html,
            Question.options,
            Question.answer,
        ).where(Question.version_id.in_(versions), Question.purpose == "assessment")

    for question in db.session.execute(_statement(("questions",), build), {"versions": list(versions)}):
        module = versions[question.version_id]
        if question.language == module.language:
            texts[(module.module_id, question.key)] = question
    return texts


def _options(question: Any, chosen: Counter) -> list[tuple[str, str, bool]]:
    """(key, text, is correct) of the question's options; those chosen when the live version lacks them."""
    labels = {option["key"]: option.get("html", option["key"]) for option in (question.options if question else [])}
    correct = question.answer.get("correct", []) if question and isinstance(question.answer, dict) else []
    return [(key, labels.get(key, key), key in correct) for key in (labels or list(chosen))]


def _questions_table(modules: list[AssignedModule], found: dict[int, list[QuestionStatistics]]) -> Table:
    """Each question by its text (an id such as ``accuracy-figure`` means nothing to a manager), facility as a
    percentage with one decimal and discrimination with two, as the page shows them, under plain headings."""
    rows = []
    for module in modules:
        for item in found.get(module.module_id, []):
            facility, discrimination = item.stats.facility, item.stats.discrimination
            rows.append([
                module.title,
                _plain(item.prompt_html),
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
            Column("facility", _l("Share who got it right (%)"), True),
            Column("discrimination", _l("Separates stronger and weaker learners (−1 to 1)"), True),
        ],
        rows,
    )


def option_rows(questions: dict[int, list[QuestionStatistics]], modules: list[AssignedModule]) -> Table:
    """How often each option was chosen, one row per question and option (for the CSV)."""
    titles = {module.module_id: module.title for module in modules}
    rows = [
        [titles.get(module_id, ""), _plain(item.prompt_html), _plain(option.html), option.count,
         "yes" if option.is_correct else "no"]
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
    """A question's or option's text without its (already sanitised) markup, for tables and the CSV."""
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


TABLES = {
    "modules": _modules_table,
    "scores": _scores_table,
    "weeks": _weeks_table,
    "gain": _gain_table,
    "renewals": _renewals_table,
    "calibration": lambda dashboard: calibration(dashboard.modules, dashboard.groups),
}


# --- the learners table ---------------------------------------------------------------------------------


@dataclass
class LearnerFilter:
    search: str = ""
    module_id: int | None = None
    status: str | None = None
    sort: str = "name"
    descending: bool = False


def _folded(column: Any, postgresql: bool | None = None) -> Any:
    """A name in lower case, compared by code point as Python compares strings (PostgreSQL's collation
    would otherwise order it its own way)."""
    lowered = func.lower(column)
    if postgresql is None:
        postgresql = db.session.get_bind().dialect.name == "postgresql"
    return lowered.collate("C") if postgresql else lowered


def _matching(
    dashboard: CohortDashboard,
    wanted: LearnerFilter,
    postgresql: bool | None = None,
    *,
    rows: bool = True,
    only: bool = False,
) -> tuple[tuple, Any, list[Any]]:
    """The members matching a filter (the search in name or email address, a status in a module or in any)
    as a select of the learners subquery, and the ORDER BY of the wanted sort: people without a value last,
    in the order of names, as the page has always shown them. ``rows`` and ``only`` as for ``_grid``.

    Built once per dashboard shape and filter shape (``_statement``), with its key to make more from it:
    the searched text is the bind parameter ``needle`` (``_params``)."""
    if postgresql is None:
        postgresql = dashboard.postgresql
    sort = wanted.sort if wanted.sort in SORTS else "name"
    status = wanted.status if wanted.status in STATUSES else None
    key = (
        "matching", dashboard.shape, postgresql, bool(wanted.search), status,
        wanted.module_id if status else None, sort, wanted.descending, rows, only,
    )  # fmt: skip
    statement, order = _statement(key, lambda: _matching_statement(dashboard, wanted, postgresql, rows, only))
    return key, statement, order


def _params(dashboard: CohortDashboard, wanted: LearnerFilter, **more: Any) -> dict[str, Any]:
    """The bind parameters of a filter's statements: the moment, the searched text (a LIKE pattern, as
    ``contains(..., autoescape=True)`` would make it) and ``more``."""
    params = dict(dashboard.params, **more)
    if wanted.search:
        needle = wanted.search.strip().lower()
        params["needle"] = "%" + needle.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return params


def _matching_statement(
    dashboard: CohortDashboard, wanted: LearnerFilter, postgresql: bool, rows: bool, only: bool
) -> tuple[Any, list[Any]]:
    learners = _grid(dashboard, rows=rows, only=only, postgresql=postgresql).subquery("learners")
    statement = select(learners)
    if wanted.search:
        needle = bindparam("needle", type_=String())
        statement = statement.where(
            or_(func.lower(learners.c.name).like(needle, escape="/"), learners.c.email.like(needle, escape="/"))
        )
    if wanted.status in STATUSES:
        columns = [learners.c[f"s{index}"] for index in range(len(dashboard.modules))]
        if wanted.module_id is not None:
            positions = [i for i, module in enumerate(dashboard.modules) if module.module_id == wanted.module_id]
            columns = [columns[i] for i in positions]
        statement = statement.where(or_(*[column == wanted.status for column in columns]) if columns else false())
    sort = wanted.sort if wanted.sort in SORTS else "name"
    name = _folded(learners.c.name, postgresql)
    if sort == "name":
        order = [name, learners.c.user_id]
        order = [column.desc() for column in order] if wanted.descending else order
    else:
        value = learners.c[sort]
        missing = value.is_(None)
        tie = case((missing, null()), else_=name)
        order = [
            missing,
            value.desc() if wanted.descending else value,
            tie.desc() if wanted.descending else tie,
            learners.c.name,
            learners.c.user_id,
        ]
    return statement, order


def _learner(dashboard: CohortDashboard, row: Any) -> Learner:
    modules = dashboard.modules
    learner = Learner(row.user_id, row.name, row.email, last_activity=row.last_activity, best_score=row.best_score)
    learner.statuses = {module.module_id: row[3 + index] for index, module in enumerate(modules)}
    learner.completed = row.completed
    return learner


def filter_learners(dashboard: CohortDashboard, wanted: LearnerFilter) -> list[Learner]:
    """Every learner matching a filter, sorted (people without a value sort last); one query."""
    key, statement, order = _matching(dashboard, wanted)
    ordered = _statement(("ordered", key), lambda: statement.order_by(*order))
    return [_learner(dashboard, row) for row in db.session.execute(ordered, _params(dashboard, wanted))]


def learner_page(dashboard: CohortDashboard, wanted: LearnerFilter, page: int) -> tuple[list[Learner], int, int]:
    """One page of the matching learners (``PER_PAGE`` of them), how many match and the page shown (the last
    one when ``page`` is past it).

    The count comes from the status combinations the headline reads already (a search counts in SQL); the
    page's members are found by sorting only the columns the sort and filter need (the database leaves
    out the summary rows nothing reads), then those members' rows are read whole, so a large cohort costs
    one narrow sort, not every member's statuses."""
    needs_rows = wanted.sort != "name" or wanted.status in STATUSES
    key, statement, order = _matching(dashboard, wanted, rows=needs_rows)
    matching = _count(dashboard, wanted, key, statement)
    page = min(max(1, page), max(1, -(-matching // PER_PAGE)))

    def paged() -> Any:
        return (
            statement.with_only_columns(statement.selected_columns.user_id, maintain_column_froms=True)
            .order_by(*order)
            .limit(PER_PAGE)
            .offset(bindparam("offset", type_=Integer()))
        )

    ids = db.session.scalars(
        _statement(("page", key), paged), _params(dashboard, wanted, offset=(page - 1) * PER_PAGE)
    ).all()
    if not ids:
        return [], matching, page
    _key, shown, _order = _matching(dashboard, LearnerFilter(), only=True)
    rows = {row.user_id: row for row in db.session.execute(shown, dict(dashboard.params, only=list(ids)))}
    return [_learner(dashboard, rows[user_id]) for user_id in ids], matching, page


def _count(dashboard: CohortDashboard, wanted: LearnerFilter, key: tuple, statement: Any) -> int:
    """How many members match: added up from the status combinations, unless there is a search."""
    if wanted.search:
        counted = _statement(("count", key), lambda: select(func.count()).select_from(statement.subquery()))
        return db.session.scalar(counted, _params(dashboard, wanted)) or 0
    if wanted.status not in STATUSES:
        return sum(count for _statuses, _started, count in dashboard.combinations)
    positions = [
        index
        for index, module in enumerate(dashboard.modules)
        if wanted.module_id is None or module.module_id == wanted.module_id
    ]
    return sum(
        count
        for statuses, _started, count in dashboard.combinations
        if any(statuses[index] == wanted.status for index in positions)
    )


def learners_columns(dashboard: CohortDashboard) -> list[Column]:
    return [
        Column("name", _l("Name")),
        Column("email", _l("Email address")),
        *[Column(f"module-{module.module_id}", module.title) for module in dashboard.modules],
        Column("last_activity", _l("Last activity")),
        Column("best_score", _l("Best score (%)"), True),
    ]


def learners_table(dashboard: CohortDashboard, learners: list[Learner]) -> Table:
    """The page's learners; each status label translated once (as the page writes a lazy label: its text
    as markup, ``LazyString.__html__``), not once per cell."""
    labels = {status: Markup(str(label)) for status, label in STATUS_LABELS.items()}  # noqa: S704 - as Jinja did
    return Table(
        "learners",
        _l("Learners"),
        learners_columns(dashboard),
        [
            [
                learner.name,
                learner.email,
                *[labels[learner.statuses[module.module_id]] for module in dashboard.modules],
                learner.last_activity,
                learner.best_score,
            ]
            for learner in learners
        ],
    )


def learner_csv_rows(dashboard: CohortDashboard, wanted: LearnerFilter, batch: int = 1000) -> Iterator[list[str]]:
    """The learners.csv rows as escaped cells (``escape_cell`` on every text cell): name, email address, a
    status per module, last activity (its UTC day, as ``tables.csv_cell`` writes a moment), best score.

    The status labels (in the request's language) and everything the select needs are taken now; the
    select is made and its rows read when the generator runs (after the headings have gone), from a
    server-side cursor ``batch`` rows at a time on a connection of its own, so the response can stream them
    after the request's context has gone and nothing is ever held whole.
    """
    dashboard.modules  # noqa: B018 - read now, in the request
    dashboard.shape  # noqa: B018 - the cohort's figures too
    labels = {status: escape_cell(str(label)) for status, label in STATUS_LABELS.items()}
    engine = db.engine
    postgresql = engine.dialect.name == "postgresql"

    def rows() -> Iterator[list[str]]:
        key, statement, order = _matching(dashboard, wanted, postgresql)

        def build() -> Any:
            learners = statement.selected_columns
            day = cast(utc_date(learners.last_activity), String())
            statuses = [learners[f"s{index}"] for index in range(len(dashboard.modules))]
            return statement.with_only_columns(
                learners.name, learners.email, *statuses, day, learners.best_score, maintain_column_froms=True
            ).order_by(*order)

        ordered = _statement(("csv", key), build)
        params = _params(dashboard, wanted)
        with engine.connect() as connection:
            summaries.plan_for_cached_reads(connection)
            for name, email, *cells, last, best in connection.execution_options(yield_per=batch).execute(
                ordered, params
            ):
                yield [
                    escape_cell(name),
                    escape_cell(email),
                    *[labels[status] for status in cells],
                    escape_cell(last) if last is not None else "",
                    str(best) if best is not None else "",
                ]

    return rows()


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
    "learner_csv_rows",
    "learner_page",
    "learners_columns",
    "learners_table",
    "option_rows",
]
