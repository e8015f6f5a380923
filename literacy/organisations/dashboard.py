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
from sqlalchemy import Integer, and_, case, func, literal, or_, select, union_all

from .. import renewal, summaries
from ..extensions import db
from ..models import (
    ROLE_VALUES,
    Cohort,
    CohortAssignment,
    CohortLearnerSummary,
    CohortMember,
    LearnerModuleSummary,
    Membership,
    Module,
    ModuleVersion,
    Organisation,
    User,
    UTCDateTime,
    utcnow,
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
    its due date or a renewal past its date to renew by. The member rows keep when their completions end;
    only newer editions, which the rows cannot know of, are looked up here (few rows, by index).
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

    # as if no newer edition were live: each member's row alone (a scan of the rows, no join) ...
    completed_all = and_(each.assigned > 0, each.completed == each.assigned, ~ended)
    expiring = and_(~ended, each.valid_until > at, each.valid_until <= soon)
    late = or_(each.next_due_on < day, each.renew_by < day)
    for cohort_id, started, completed, expiring_count, renewal_due, overdue, pct_sum, pct_n in db.session.execute(
        select(
            each.cohort_id,
            members_where(each.started.is_(True)),
            members_where(completed_all),
            members_where(expiring),
            members_where(ended),
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
    # ... then the few members with a completion of an older edition: due to renew, so neither completed
    # nor expiring, and overdue too once their date to renew by has passed
    stale = _newer_editions(cohort_filter, today, now)
    if stale is None:
        return figures
    not_late = and_(
        or_(each.next_due_on.is_(None), each.next_due_on >= day), or_(each.renew_by.is_(None), each.renew_by >= day)
    )
    for cohort_id, completed, expiring_count, renewing, overdue in db.session.execute(
        select(
            each.cohort_id,
            members_where(completed_all),
            members_where(expiring),
            members_where(~ended),
            members_where(and_(not_late, stale.c.late == 1)),
        )
        .join(stale, and_(stale.c.cohort_id == each.cohort_id, stale.c.user_id == each.user_id))
        .where(*scope)
        .group_by(each.cohort_id)
    ):
        found = figures[cohort_id]
        found["completed"] -= int(completed or 0)
        found["expiring"] -= int(expiring_count or 0)
        found["renewal_due"] += int(renewing or 0)
        found["overdue"] += int(overdue or 0)
    return figures


def _newer_editions(cohort_filter, today: date, now: datetime):
    """Current members who completed an older edition of one of their cohort's modules than the live one,
    and whether renewing any of those is late (a subquery of cohort_id, user_id, late), or None when no
    cohort assigns a module with more than one edition.

    The rule (``renewal.classify``) dates such a renewal by the later of the day it became needed (the
    newer edition's first publication, or the day the certificate stopped counting if earlier) and the day
    of the assignment, plus the cohort's days to renew; it is late when that date is before today, that is
    when both days are before ``today - days``. Everything but the certificate's end is known per cohort
    and module, so it is worked out here for each assignment (a few rows) and each completion of an older
    edition (found through the summaries' index on module and edition) is only compared with it."""
    first = renewal.edition_published()
    rules = []
    editions: dict[int, int] = {}
    for cohort_id, module_id, assigned_at, renewal_days, live, published_at in db.session.execute(
        select(
            CohortAssignment.cohort_id,
            CohortAssignment.module_id,
            CohortAssignment.assigned_at,
            Cohort.renewal_days,
            ModuleVersion.edition,
            first.c.published_at,
        )
        .join(Cohort, Cohort.id == CohortAssignment.cohort_id)
        .join(Module, and_(Module.id == CohortAssignment.module_id, Module.status == "published"))
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .join(first, and_(first.c.module_id == Module.id, first.c.edition == ModuleVersion.edition))
        .where(CohortAssignment.cohort_id.in_(cohort_filter), ModuleVersion.edition > 1)
    ):
        cutoff = today - timedelta(days=renewal_days or renewal.DEFAULT_RENEWAL_DAYS)
        edition_on = published_at.astimezone(UTC).date() if published_at is not None else None
        assigned_early = assigned_at is None or assigned_at.astimezone(UTC).date() < cutoff
        edition_early = edition_on is not None and edition_on < cutoff
        cutoff_began = renewal.start_of_day_after(cutoff - timedelta(days=1))
        rules.append((cohort_id, module_id, int(assigned_early), int(edition_early), cutoff_began))
        editions[module_id] = live
    if not rules:
        return None
    rule = _rows_as_table(rules)
    if db.session.get_bind().dialect.name == "postgresql":
        return _newer_editions_by_rule(cohort_filter, today, now)
    summary = LearnerModuleSummary
    at = literal(now, UTCDateTime())
    late = and_(
        rule.c.assigned_early == 1,
        or_(rule.c.edition_early == 1, and_(summary.valid_until <= at, summary.valid_until < rule.c.cutoff_began)),
    )
    return (
        select(
            CohortMember.cohort_id.label("cohort_id"),
            CohortMember.user_id.label("user_id"),
            func.max(case((late, 1), else_=0)).label("late"),
        )
        .select_from(summary)
        .join(CohortMember, and_(CohortMember.user_id == summary.user_id, CohortMember.removed_at.is_(None)))
        .join(rule, and_(rule.c.cohort_id == CohortMember.cohort_id, rule.c.module_id == summary.module_id))
        .where(
            or_(
                *[
                    and_(summary.module_id == module_id, summary.completed_edition < live)
                    for module_id, live in editions.items()
                ]
            ),
            CohortMember.cohort_id.in_(cohort_filter),
        )
        .group_by(CohortMember.cohort_id, CohortMember.user_id)
        .subquery("newer_editions")
    )


def _newer_editions_by_rule(cohort_filter, today: date, now: datetime):
    """The same members, with the rule's own SQL (``renewal.expressions``) dating each renewal, for
    PostgreSQL: its planner would drive the form above from the table of rules and read each module's
    older completions once per cohort, while SQLite spends most of this form's time in date arithmetic.

    The completions of older editions are found first, on their own (grouped), then matched with the
    cohorts that assign those modules."""
    summary = LearnerModuleSummary
    first = renewal.edition_published()
    older = (
        select(
            summary.user_id.label("user_id"),
            summary.module_id.label("module_id"),
            func.max(summary.completed_edition).label("completed_edition"),
            func.max(summary.valid_until).label("valid_until"),
            func.max(ModuleVersion.edition).label("live_edition"),
            func.max(first.c.published_at).label("published_at"),
        )
        .select_from(Module)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .join(first, and_(first.c.module_id == Module.id, first.c.edition == ModuleVersion.edition))
        .join(summary, summary.module_id == Module.id)
        .where(Module.status == "published", summary.completed_edition < ModuleVersion.edition)
        .group_by(summary.user_id, summary.module_id)  # one row each already: the grouping keeps it apart
        .subquery("older_editions")
    )
    rule = renewal.expressions(
        has_summary=literal(True),
        completed_edition=older.c.completed_edition,
        valid_until=older.c.valid_until,
        live_edition=older.c.live_edition,
        edition_published_at=older.c.published_at,
        now=now,
    )
    return (
        select(
            CohortMember.cohort_id.label("cohort_id"),
            CohortMember.user_id.label("user_id"),
            case((func.min(rule.due_on) < literal(today), 1), else_=0).label("late"),
        )
        .select_from(older)
        .join(CohortAssignment, CohortAssignment.module_id == older.c.module_id)
        .join(Cohort, Cohort.id == CohortAssignment.cohort_id)
        .join(
            CohortMember,
            and_(
                CohortMember.cohort_id == CohortAssignment.cohort_id,
                CohortMember.user_id == older.c.user_id,
                CohortMember.removed_at.is_(None),
            ),
        )
        .where(CohortAssignment.cohort_id.in_(cohort_filter))
        .group_by(CohortMember.cohort_id, CohortMember.user_id)
        .subquery("newer_editions")
    )


def _rows_as_table(rules: list[tuple]) -> Any:
    """The per-assignment rules as a small derived table (SELECTs of constants joined by UNION ALL, in
    groups that stay under SQLite's limit of 500 terms per compound select)."""

    def one(cohort_id: int, module_id: int, assigned_early: int, edition_early: int, cutoff_began: datetime):
        return select(
            literal(cohort_id, Integer()).label("cohort_id"),
            literal(module_id, Integer()).label("module_id"),
            literal(assigned_early, Integer()).label("assigned_early"),
            literal(edition_early, Integer()).label("edition_early"),
            literal(cutoff_began, UTCDateTime()).label("cutoff_began"),
        )

    groups = [union_all(*[one(*row) for row in rules[at : at + 400]]).subquery() for at in range(0, len(rules), 400)]
    if len(groups) == 1:
        return groups[0].alias("stale_rules")
    return union_all(*[select(*group.c) for group in groups]).subquery("stale_rules")


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
        description=_l("Members of each cohort whose completions of all its modules are valid."),
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
    counts = _completions(people_ids, {module_id: version.edition for module_id, version in modules}, now, people)
    rows = [
        [
            version.text("title", version.language),
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
        description=_l("The share of the organisation's people whose completion of each module is valid."),
    )


def _most_people(people: int) -> bool:
    """Whether these people are a large share (a quarter or more) of everyone with an account, judged from
    the highest account id (one look-up in the key; deleted accounts only make the share look smaller)."""
    accounts = db.session.scalar(select(func.max(User.id))) or 0
    return 4 * people >= accounts


def _completions(
    people_ids, editions: dict[int, int], now: datetime, people: int = 0
) -> dict[int, tuple[int, int, int, int]]:
    """Per module, how many of these people have a completion valid at ``now`` (any edition), valid and of
    the current edition, valid but expiring within ``renewal.EXPIRY_WARNING_DAYS``, and no longer valid.

    ``editions`` holds each module's live edition: the rows are counted per module and edition completed
    (a handful of groups), so no summary row is joined to its module's version. Everything is read from
    the summaries' index on module, edition and validity. When the ``people`` (how many there are) are most
    of everyone, SQLite is told to read that index through and look each row's person up among them
    (``user_id + 0`` keeps it from reading every person's rows by key instead, which costs two to three
    times as much then, and is right for a small organisation); PostgreSQL's planner knows the numbers."""
    summary = LearnerModuleSummary
    person = summary.user_id
    if db.session.get_bind().dialect.name == "sqlite" and _most_people(people):
        person = summary.user_id + 0
    at = literal(now, UTCDateTime())
    soon = literal(now + timedelta(days=renewal.EXPIRY_WARNING_DAYS), UTCDateTime())
    valid = or_(summary.valid_until.is_(None), summary.valid_until > at)
    found: dict[int, list[int]] = {}
    for module_id, edition, valid_any, expiring, expired in db.session.execute(
        select(
            summary.module_id,
            summary.completed_edition,
            func.count(case((valid, 1))),
            func.count(case((and_(summary.valid_until > at, summary.valid_until <= soon), 1))),
            func.count(case((summary.valid_until <= at, 1))),
        )
        .where(
            person.in_(people_ids),
            summary.module_id.in_(list(editions)),
            summary.completed_edition.is_not(None),
        )
        .group_by(summary.module_id, summary.completed_edition)
    ):
        counts = found.setdefault(module_id, [0, 0, 0, 0])
        counts[0] += int(valid_any or 0)
        counts[1] += int(valid_any or 0) if edition >= editions[module_id] else 0
        counts[2] += int(expiring or 0)
        counts[3] += int(expired or 0)
    return {module_id: (a, b, c, d) for module_id, (a, b, c, d) in found.items()}


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
