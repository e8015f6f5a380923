"""The organisation dashboard: its cohorts side by side, AI-literacy coverage across its people, and its
people in other organisations' cohorts (cross-government programmes).

All in SQL over the summary tables that ``literacy.summaries`` keeps (GROUP BY over cohort members and
completions, never a query per person); figures about fewer people than the threshold are hidden.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, or_, select

from ..extensions import db
from ..models import (
    ROLE_VALUES,
    Cohort,
    CohortLearnerSummary,
    CohortMember,
    LearnerModuleSummary,
    Membership,
    Module,
    ModuleVersion,
    Organisation,
)
from ..tables import Column, Suppressed, Table, percent, suppress, suppress_count


@dataclass
class OrganisationDashboard:
    """Every figure the organisation page shows, each already hidden when it is about a small group.

    ``people`` is the exact headcount, for the tables to work with; pages show ``headcount`` instead.
    """

    tables: dict[str, Table]
    people: int
    threshold: int
    headcount: Any = None  # the number of people, or Suppressed: what the page may print
    roles: dict[str, Any] = field(default_factory=dict)  # people holding each role, small counts hidden

    @property
    def small(self) -> bool:
        """True when the organisation itself is a small group (its headcount is hidden)."""
        return isinstance(self.headcount, Suppressed)


def organisation_dashboard(
    organisation: Organisation, today: date, threshold: int, only: tuple[str, ...] | None = None
) -> OrganisationDashboard:
    """Cohorts side by side, AI-literacy coverage, and this organisation's people in other cohorts.

    All in SQL (GROUP BY over cohort members and completions); small groups are hidden. ``only`` limits
    the work to some of the tables (a CSV export needs one).
    """
    people_ids = select(Membership.user_id).where(Membership.organisation_id == organisation.id).distinct()
    people = db.session.scalar(select(func.count()).select_from(people_ids.subquery())) or 0
    builders = {
        "cohorts": lambda: _cohorts_side_by_side(organisation, today, threshold),
        "coverage": lambda: _coverage(organisation, people_ids, people, threshold),
        "elsewhere": lambda: _elsewhere(organisation, people_ids, today, threshold),
    }
    tables = {name: build() for name, build in builders.items() if only is None or name in only}
    roles = {} if only is not None else _role_counts(organisation, threshold)
    return OrganisationDashboard(tables, people, threshold, suppress_count(people, threshold), roles)


def _role_counts(organisation: Organisation, threshold: int) -> dict[str, Any]:
    """How many people hold each role, a count from 1 to threshold-1 hidden like any other figure."""
    counts = dict.fromkeys(ROLE_VALUES, 0)
    for role, count in db.session.execute(
        select(Membership.role, func.count(func.distinct(Membership.user_id)))
        .where(Membership.organisation_id == organisation.id)
        .group_by(Membership.role)
    ):
        counts[role] = count
    return {role: suppress_count(count, threshold) for role, count in counts.items()}


NO_FIGURES = dict.fromkeys(("members", "started", "completed", "overdue", "pct_sum", "pct_n"), 0)


def _cohort_figures(cohort_filter, today: date, people_ids=None) -> dict[int, dict[str, Any]]:
    """Per cohort: members, started, completed everything, overdue, average completion score (SQL only)."""
    member = select(CohortMember.cohort_id, CohortMember.user_id).where(
        CohortMember.removed_at.is_(None), CohortMember.cohort_id.in_(cohort_filter)
    )
    if people_ids is not None:
        member = member.where(CohortMember.user_id.in_(people_ids))
    member = member.subquery()
    figures: dict[int, dict[str, Any]] = defaultdict(lambda: dict(NO_FIGURES))
    for cohort_id, members in db.session.execute(select(member.c.cohort_id, func.count()).group_by(member.c.cohort_id)):
        figures[cohort_id]["members"] = members
    # one row per member (kept by literacy.summaries), so this adds up members, not members x modules
    each = CohortLearnerSummary
    scope = [each.cohort_id.in_(cohort_filter)]
    if people_ids is not None:
        scope.append(each.user_id.in_(people_ids))
    for cohort_id, started, completed, overdue, pct_sum, pct_n in db.session.execute(
        select(
            each.cohort_id,
            func.sum(case((each.started.is_(True), 1), else_=0)),
            func.sum(case((and_(each.assigned > 0, each.completed == each.assigned), 1), else_=0)),
            func.sum(case((each.next_due_on < literal(today), 1), else_=0)),
            func.sum(each.percent_sum),
            func.sum(each.percent_count),
        )
        .where(*scope)
        .group_by(each.cohort_id)
    ):
        figures[cohort_id].update(
            started=int(started or 0),
            completed=int(completed or 0),
            overdue=int(overdue or 0),
            pct_sum=float(pct_sum or 0),
            pct_n=int(pct_n or 0),
        )
    return figures


def _figure_row(figures: dict[str, Any], threshold: int) -> list[Any]:
    members = figures["members"]
    average = round(figures["pct_sum"] / figures["pct_n"], 1) if figures["pct_n"] else None
    return [
        suppress_count(members, threshold),
        suppress(suppress_count(figures["started"], threshold), members, threshold),
        suppress(suppress_count(figures["completed"], threshold), members, threshold),
        suppress(suppress_count(figures["overdue"], threshold), members, threshold),
        suppress(average, figures["pct_n"], threshold),
    ]


FIGURE_COLUMNS = [
    Column("members", _l("Members"), True),
    Column("started", _l("Started"), True),
    Column("completed", _l("Completed all modules"), True),
    Column("overdue", _l("Overdue"), True),
    Column("average", _l("Average score at completion (%)"), True),
]


def _cohorts_side_by_side(organisation: Organisation, today: date, threshold: int) -> Table:
    cohorts = list(
        db.session.scalars(select(Cohort).where(Cohort.organisation_id == organisation.id).order_by(Cohort.name))
    )
    figures = _cohort_figures(select(Cohort.id).where(Cohort.organisation_id == organisation.id), today)
    return Table(
        "cohorts",
        _l("Cohorts side by side"),
        [Column("cohort", _l("Cohort")), Column("starts_on", _l("Starts")), *FIGURE_COLUMNS],
        [
            [cohort.name, cohort.starts_on, *_figure_row(figures.get(cohort.id, NO_FIGURES), threshold)]
            for cohort in cohorts
        ],
        chart="completed",
        description=_l("Members of each cohort who have completed all its modules."),
    )


def _coverage(organisation: Organisation, people_ids, people: int, threshold: int) -> Table:
    """The share of the organisation's people who completed each module (any edition, and the current one)."""
    modules = db.session.execute(
        select(Module.id, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(
            Module.status == "published",
            or_(Module.organisation_id.is_(None), Module.organisation_id == organisation.id),
        )
        .order_by(Module.slug)
    ).all()
    counts = _completions(people_ids, [module_id for module_id, _ in modules])
    rows = [
        [
            version.text("title", version.language),
            version.edition,
            *_coverage_figures(*counts.get(module_id, (0, 0)), people, threshold),
        ]
        for module_id, version in modules
    ]
    return Table(
        "coverage",
        _l("AI-literacy coverage"),
        [
            Column("module", _l("Module")),
            Column("edition", _l("Current edition"), True),
            Column("people", _l("People"), True),
            Column("completed", _l("Completed"), True),
            Column("share", _l("Completed (%)"), True),
            Column("current", _l("Completed the current edition"), True),
        ],
        rows,
        chart="share",
        description=_l("The share of the organisation's people who have completed each module."),
    )


def _completions(people_ids, module_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per module, how many of these people completed it: any edition, and the current edition."""
    summary = LearnerModuleSummary
    return {
        module_id: (int(any_edition), int(latest or 0))
        for module_id, any_edition, latest in db.session.execute(
            select(
                summary.module_id,
                func.count(),
                func.count(case((summary.completed_edition >= ModuleVersion.edition, 1))),
            )
            .join(Module, Module.id == summary.module_id)
            .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
            .where(
                summary.user_id.in_(people_ids),
                summary.module_id.in_(module_ids),
                summary.completed_edition.is_not(None),
            )
            .group_by(summary.module_id)
        )
    }


def _coverage_figures(done: int, latest: int, people: int, threshold: int) -> list[Any]:
    """People, completed, completed (%) and completed the current edition, small groups hidden."""
    return [
        suppress_count(people, threshold),
        suppress(suppress_count(done, threshold), people, threshold),
        suppress(percent(done, people), people, threshold)
        if not (0 < done < threshold)
        else suppress_count(done, threshold),
        suppress(suppress_count(latest, threshold), people, threshold),
    ]


def _elsewhere(organisation: Organisation, people_ids, today: date, threshold: int) -> Table:
    """This organisation's own people in other organisations' cohorts (cross-government programmes)."""
    others = select(CohortMember.cohort_id).where(
        CohortMember.removed_at.is_(None),
        CohortMember.user_id.in_(people_ids),
        CohortMember.cohort_id.in_(select(Cohort.id).where(Cohort.organisation_id != organisation.id)),
    )
    cohorts = db.session.execute(
        select(Cohort, Organisation.name)
        .join(Organisation, Organisation.id == Cohort.organisation_id)
        .where(Cohort.id.in_(others))
        .order_by(Organisation.name, Cohort.name)
    ).all()
    figures = _cohort_figures(others, today, people_ids) if cohorts else {}
    return Table(
        "elsewhere",
        _l("Our people in other organisations' cohorts"),
        [Column("organiser", _l("Run by")), Column("cohort", _l("Cohort")), *FIGURE_COLUMNS],
        [[name, cohort.name, *_figure_row(figures.get(cohort.id, NO_FIGURES), threshold)] for cohort, name in cohorts],
    )
