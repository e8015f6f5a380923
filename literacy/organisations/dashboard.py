"""The organisation dashboard: its cohorts side by side, AI-literacy coverage across its people, and its
people in other organisations' cohorts (cross-government programmes).

All in SQL over the summary tables that ``literacy.summaries`` keeps (GROUP BY over cohort members and
completions, never a query per person); figures about fewer people than the threshold are hidden.

Completions count while they are valid at ``now``: a certificate that has expired or been revoked no longer
counts, and nothing needs writing when it expires (the summaries keep when each completion stops counting;
``literacy.renewal`` holds the rule, and its SQL form gives each member's state per assigned module).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import and_, case, false, func, literal, or_, select

from .. import renewal, summaries
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
    OrganisationModuleSummary,
    UTCDateTime,
    utcnow,
)
from ..tables import Column, Suppressed, Table, percent, suppress, suppress_count
from ..titles import page_language, title_in


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
    expiry_days: int = renewal.EXPIRY_WARNING_DAYS  # "expiring": valid, but not for this many days more

    @property
    def small(self) -> bool:
        """True when the organisation itself is a small group (its headcount is hidden)."""
        return isinstance(self.headcount, Suppressed)


def organisation_dashboard(
    organisation: Organisation,
    today: date,
    threshold: int,
    only: tuple[str, ...] | None = None,
    *,
    now: datetime | None = None,
) -> OrganisationDashboard:
    """Cohorts side by side, AI-literacy coverage, and this organisation's people in other cohorts.

    All in SQL (GROUP BY over cohort members and completions); small groups are hidden. ``only`` limits
    the work to some of the tables (a CSV export needs one). Completions count while valid at ``now``
    (default: the current time); due dates are compared with ``today`` (the site's day).
    """
    now = now or utcnow()
    summaries.plan_for_cached_reads()
    # who is in the organisation, for IN (a person holding several roles is listed once per role, which
    # IN does not mind; counting them needs the DISTINCT)
    people_ids = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    people = db.session.scalar(select(func.count()).select_from(people_ids.distinct().subquery())) or 0
    builders = {
        "cohorts": lambda: _cohorts_side_by_side(organisation, today, now, threshold),
        "coverage": lambda: _coverage(organisation, people_ids, people, today, now, threshold),
        "elsewhere": lambda: _elsewhere(organisation, people_ids, today, now, threshold),
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


NO_FIGURES = dict.fromkeys(
    ("members", "started", "completed", "expiring", "renewal_due", "overdue", "pct_sum", "pct_n"), 0
)


def cohort_figures(cohort_filter, today: date, now: datetime, people_ids=None) -> dict[int, dict[str, Any]]:
    """Per cohort: members, started, validly completed everything, expiring, due to renew, overdue, and the
    average completion score (SQL only, over one row per member).

    A member counts once: as due to renew when a completion stopped counting or a newer edition is live,
    else as expiring when one ends within ``renewal.EXPIRY_WARNING_DAYS``; overdue when an assignment is past
    its due date or a renewal past its date to renew by. The member rows keep when their completions end,
    how many are of an older edition than the live one and when those are to be renewed by (publishing a
    new edition recomputes them), so one GROUP BY over one row per member answers everything.
    """
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
    at = literal(now, UTCDateTime())
    soon = literal(now + timedelta(days=renewal.EXPIRY_WARNING_DAYS), UTCDateTime())
    day = literal(today)
    ended = and_(each.valid_until.is_not(None), each.valid_until <= at)
    scope = [each.cohort_id.in_(cohort_filter)]
    if people_ids is not None:
        scope.append(each.user_id.in_(people_ids))

    def members_where(condition):
        return func.sum(case((condition, 1), else_=0))

    # one pass over the member rows, which keep their completions of older editions than the live ones
    stale = each.stale > 0
    completed_all = and_(each.assigned > 0, each.completed == each.assigned, ~ended, ~stale)
    expiring = and_(~ended, ~stale, each.valid_until > at, each.valid_until <= soon)
    late = or_(each.next_due_on < day, each.renew_by < day, each.stale_renew_by < day)
    for cohort_id, started, completed, expiring_count, renewal_due, overdue, pct_sum, pct_n in db.session.execute(
        select(
            each.cohort_id,
            members_where(each.started.is_(True)),
            members_where(completed_all),
            members_where(expiring),
            members_where(or_(ended, stale)),
            members_where(late),
            func.sum(each.percent_sum),
            func.sum(each.percent_count),
        )
        .where(*scope)
        .group_by(each.cohort_id)
    ):
        figures[cohort_id].update(
            started=int(started or 0),
            completed=int(completed or 0),
            expiring=int(expiring_count or 0),
            renewal_due=int(renewal_due or 0),
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
        *[
            suppress(suppress_count(figures[name], threshold), members, threshold)
            for name in ("started", "completed", "expiring", "renewal_due", "overdue")
        ],
        suppress(average, figures["pct_n"], threshold),
    ]


FIGURE_COLUMNS = [
    Column("members", _l("Members"), True),
    Column("started", _l("Started"), True),
    Column("completed", _l("Completed all modules (valid)"), True),
    Column("expiring", _l("Expiring within %(days)s days", days=renewal.EXPIRY_WARNING_DAYS), True),
    Column("renewal_due", _l("Renewal due"), True),
    Column("overdue", _l("Overdue"), True),
    Column("average", _l("Average score at completion (%)"), True),
]


def _cohorts_side_by_side(organisation: Organisation, today: date, now: datetime, threshold: int) -> Table:
    cohorts = list(
        db.session.scalars(select(Cohort).where(Cohort.organisation_id == organisation.id).order_by(Cohort.name))
    )
    figures = cohort_figures(select(Cohort.id).where(Cohort.organisation_id == organisation.id), today, now)
    return Table(
        "cohorts",
        _l("Cohorts side by side"),
        [Column("cohort", _l("Cohort")), Column("starts_on", _l("Starts")), *FIGURE_COLUMNS],
        [
            [cohort.name, cohort.starts_on, *_figure_row(figures.get(cohort.id, NO_FIGURES), threshold)]
            for cohort in cohorts
        ],
        chart="completed",
        description=_l(
            "Each bar is the number of members of the cohort whose completions of all its modules are valid."
        ),
    )


def valid_on(today: date) -> LazyString:
    """ "Valid on 1 December 2026", in the language of the page or CSV file that shows it."""
    return LazyString(lambda: gettext("Valid on %(date)s", date=format_date(today, "long")))


def _coverage(organisation: Organisation, people_ids, people: int, today: date, now: datetime, threshold: int) -> Table:
    """The share of the organisation's people whose completion of each module is valid at ``now`` (any
    edition, and the current one), with those expiring soon and those that expired or were revoked."""
    modules = db.session.execute(
        select(Module.id, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(
            Module.status == "published",
            or_(Module.organisation_id.is_(None), Module.organisation_id == organisation.id),
        )
        .order_by(Module.slug)
    ).all()
    language = page_language()  # each title in the page's language where the module has one
    counts = _completions(
        organisation.id, people_ids, {module_id: version.edition for module_id, version in modules}, now
    )
    rows = [
        [
            title_in(version.texts, version.language, language),
            version.edition,
            *_coverage_figures(*counts.get(module_id, (0, 0, 0, 0)), people, threshold),
        ]
        for module_id, version in modules
    ]
    return Table(
        "coverage",
        LazyString(lambda: gettext("AI-literacy coverage, valid on %(date)s", date=format_date(today, "long"))),
        [
            Column("module", _l("Module")),
            Column("edition", _l("Current edition"), True),
            Column("people", _l("People"), True),
            Column("completed", valid_on(today), True),
            Column("share", _l("Valid (%)"), True),
            Column("current", _l("Valid, current edition"), True),
            Column("expiring", _l("Expiring within %(days)s days", days=renewal.EXPIRY_WARNING_DAYS), True),
            Column("expired", _l("Expired or revoked"), True),
        ],
        rows,
        chart="share",
        description=_l(
            "Each bar is the share (%) of the organisation's people whose completion of the module is valid."
        ),
    )


def _completions(
    organisation_id: int, people_ids, editions: dict[int, int], now: datetime
) -> dict[int, tuple[int, int, int, int]]:
    """Per module, how many of the organisation's people have a completion valid at ``now`` (any edition),
    valid and of the current edition, valid but expiring within ``renewal.EXPIRY_WARNING_DAYS``, and no
    longer valid.

    ``editions`` holds each module's live edition. The organisation's summary (``literacy.summaries``)
    counts its people per module, edition and day their completion stops counting, so every day but two
    is decided by the day alone: the day of ``now`` and the day the expiry warning ends on, whose few
    completions are read from the learners' rows (by module, edition and validity, from their index) and
    compared with the moment itself. Two reads of a few rows per module and day, whatever the headcount."""
    summary = OrganisationModuleSummary
    at = now.astimezone(UTC)
    soon = at + timedelta(days=renewal.EXPIRY_WARNING_DAYS)
    today, last = at.date(), soon.date()
    found: dict[int, list[int]] = {}
    boundary: set[tuple[int, int]] = set()

    def add(module_id: int, edition: int, valid: int, expiring: int, expired: int) -> None:
        counts = found.setdefault(module_id, [0, 0, 0, 0])
        counts[0] += valid
        counts[1] += valid if edition >= editions[module_id] else 0
        counts[2] += expiring
        counts[3] += expired

    def people_where(condition):
        return func.sum(case((condition, summary.people), else_=0))

    day = summary.valid_on
    for module_id, edition, valid, expiring, expired, on_boundary in db.session.execute(
        select(
            summary.module_id,
            summary.completed_edition,
            people_where(day > literal(today)),
            people_where(and_(day > literal(today), day < literal(last))),
            people_where(day < literal(today)),
            func.max(case((or_(day == literal(today), day == literal(last)), 1), else_=0)),
        )
        .where(summary.organisation_id == organisation_id, summary.module_id.in_(list(editions)))
        .group_by(summary.module_id, summary.completed_edition)
    ):
        add(module_id, edition, int(valid or 0), int(expiring or 0), int(expired or 0))
        if on_boundary:
            boundary.add((module_id, edition))
    _boundary_days(people_ids, sorted(boundary), at, soon, add)  # even with none: as many queries for any data
    return {module_id: (a, b, c, d) for module_id, (a, b, c, d) in found.items()}


def _boundary_days(people_ids, pairs: list[tuple[int, int]], at: datetime, soon: datetime, add) -> None:
    """The completions of these (module, edition) pairs that stop counting on the day of ``at`` or of
    ``soon``, compared with the moments themselves: valid (and expiring) if after ``at``, else expired; on
    the last day, expiring if not after ``soon`` (still valid either way, which the day already said)."""
    learner = LearnerModuleSummary
    first = renewal.start_of_day_after(at.date() - timedelta(days=1))
    last = renewal.start_of_day_after(soon.date() - timedelta(days=1))

    def within(day_begins: datetime):
        return and_(
            learner.valid_until >= literal(day_begins, UTCDateTime()),
            learner.valid_until < literal(day_begins + timedelta(days=1), UTCDateTime()),
        )

    moment, warning = literal(at, UTCDateTime()), literal(soon, UTCDateTime())
    on_first, on_last = within(first), within(last)
    for module_id, edition, valid, expired, expiring in db.session.execute(
        select(
            learner.module_id,
            learner.completed_edition,
            func.count(case((and_(on_first, learner.valid_until > moment), 1))),
            func.count(case((and_(on_first, learner.valid_until <= moment), 1))),
            func.count(case((and_(on_last, learner.valid_until <= warning), 1))),
        )
        .where(
            or_(
                false(),
                *[
                    and_(learner.module_id == module_id, learner.completed_edition == edition, or_(on_first, on_last))
                    for module_id, edition in pairs
                ],
            ),
            learner.user_id.in_(people_ids),
        )
        .group_by(learner.module_id, learner.completed_edition)
    ):
        add(module_id, edition, int(valid or 0), int(valid or 0) + int(expiring or 0), int(expired or 0))


def _coverage_figures(done: int, latest: int, expiring: int, expired: int, people: int, threshold: int) -> list[Any]:
    """People, valid, valid (%), valid in the current edition, expiring and expired, small groups hidden."""
    return [
        suppress_count(people, threshold),
        suppress(suppress_count(done, threshold), people, threshold),
        suppress(percent(done, people), people, threshold)
        if not (0 < done < threshold)
        else suppress_count(done, threshold),
        *[suppress(suppress_count(count, threshold), people, threshold) for count in (latest, expiring, expired)],
    ]


def _elsewhere(organisation: Organisation, people_ids, today: date, now: datetime, threshold: int) -> Table:
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
    figures = cohort_figures(others, today, now, people_ids) if cohorts else {}
    return Table(
        "elsewhere",
        _l("Our people in other organisations' cohorts"),
        [Column("organiser", _l("Run by")), Column("cohort", _l("Cohort")), *FIGURE_COLUMNS],
        [[name, cohort.name, *_figure_row(figures.get(cohort.id, NO_FIGURES), threshold)] for cohort, name in cohorts],
    )
