"""Keeps the dashboards' derived tables (``models/summaries.py``) in step with what people do.

Two rules keep them right. A learner's row for a module, and their rows as a member of the cohorts that
have the module assigned, are recomputed from their own rows whenever they write one, so they cannot
drift; a cohort's member rows are recomputed when its members or modules change. A cohort's answer tally
changes by exactly the answers that enter or leave it: an assessment submitted, a member added or
removed, a module assigned or unassigned. Every change takes the learners' row locks first (PostgreSQL),
as starting an attempt does, so two requests touching one person queue up instead of each missing the
other's rows. The one exception is a lesson opened again: only the time of activity moves, so
``learner_active`` moves it forward in place, with no lock and nothing recomputed.

A learner's row also says when their latest completion stops counting (``valid_until``: the certificate's
expiry, or its revocation if that came first; NULL for ever). Expiry needs no write: pages compare it with
"now" when they read (``literacy.renewal`` holds that rule). Anything that changes a certificate's
``valid_until`` or ``revoked_at`` calls ``refresh_learner`` (or ``completions_changed`` for many at once).

``rebuild`` recomputes everything from the raw rows (after a bulk import, say) and ``differences``
compares without writing; both are ``flask summaries``. Everything here works in ``db.session``; the
caller commits. (Migration 0005 fills the tables with its own frozen copy of these queries.)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    Text,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from . import renewal
from .content.kinds import kinds_with_options
from .extensions import db
from .models import (
    Certificate,
    Cohort,
    CohortAnswerTally,
    CohortAssignment,
    CohortLearnerSummary,
    CohortMember,
    LearnerModuleSummary,
    LessonProgress,
    Membership,
    Module,
    ModuleCompletion,
    ModuleVersion,
    OrganisationModuleSummary,
    Question,
    QuizAttempt,
    Response,
    User,
    UTCDateTime,
    utc_date,
)
from .models.summaries import NEVER
from .models.types import add_days, earliest_of, latest_of

SUMMARY_KEYS = ("user_id", "module_id")
TALLY_KEYS = ("cohort_id", "module_id", "question_key", "answer", "confidence", "correct")
MEMBER_KEYS = ("cohort_id", "user_id")

Ids = Iterable[int] | Any  # a list of ids or a SELECT of them


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _in(column, ids: Ids):
    return column.in_(list(ids) if isinstance(ids, list | tuple | set | frozenset) else ids)


def _names(source) -> list[str]:
    """The labels of a SELECT's columns: the names of the table columns it fills."""
    return list(source.selected_columns.keys())


def plan_for_cached_reads(connection: Any = None) -> None:
    """Plan the rest of this transaction (PostgreSQL only) for tables held in memory: a page read through
    an index costs about what a page of a sequential scan does (``random_page_cost`` 1.1, the value usually
    advised for SSDs, instead of the default 4, which assumes a disk seek). The dashboards read a cohort's
    rows by key; with the default, the planner reads every summary row of a module (hash joins, full scans)
    even for a cohort of 500 out of 50,000 people. ``connection``: one of its own (a streamed export)."""
    target = db.session if connection is None else connection
    bind = db.session.get_bind() if connection is None else connection
    if bind.dialect.name == "postgresql":
        target.execute(text("SET LOCAL random_page_cost = 1.1"))


def lock_people(user_ids: Ids) -> None:
    """Take these people's row locks until commit (PostgreSQL; SQLite has one writer at a time anyway).

    FOR NO KEY UPDATE: callers still queue for each other, but a row that merely refers to the person (an
    audit event, a membership: a KEY SHARE lock) is not held up, which deadlocked two administrators
    changing each other's roles at once."""
    if _postgresql():
        db.session.execute(
            select(User.id).where(_in(User.id, user_ids)).order_by(User.id).with_for_update(key_share=True)
        )


def _upsert(table, keys: tuple[str, ...], source, *, add: bool) -> None:
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE, replacing the values or adding to them. The source's
    columns are labelled with the table's column names."""
    names = _names(source)
    insert = postgresql.insert if _postgresql() else sqlite.insert
    statement = insert(table).from_select(names, source)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={
            name: (table.c[name] + statement.excluded[name]) if add else statement.excluded[name]
            for name in names
            if name not in keys
        },
    )
    db.session.execute(statement)


# --- learners' progress per module -------------------------------------------------------------------------

FACT_TYPES: dict[str, Any] = {
    "moment": UTCDateTime(),  # when they did it
    "lesson_done": Integer(),
    "edition": Integer(),
    "completed_at": UTCDateTime(),
    "completion_percent": Integer(),
    "assessment_percent": Integer(),
    "passed": Integer(),
    "precheck_percent": Integer(),
    "valid_until": UTCDateTime(),
}


def _facts(model, users: Ids | None, modules: Ids | None, **facts) -> Any:
    """One kind of raw row as facts about a person and a module: every fact by name, NULL where this kind of
    row has none, so the branches of the union line up by name."""
    statement = select(
        model.user_id.label("user_id"),
        model.module_id.label("module_id"),
        *[facts.get(name, cast(null(), kind)).label(name) for name, kind in FACT_TYPES.items()],
    )
    if users is not None:
        statement = statement.where(_in(model.user_id, users))
    if modules is not None:
        statement = statement.where(_in(model.module_id, modules))
    return statement


def _learner_rows(users: Ids | None = None, modules: Ids | None = None):
    """The summary rows computed from raw progress, attempts and completions (one per person and module)."""
    lesson, attempt, completion = LessonProgress, QuizAttempt, ModuleCompletion
    assessment = attempt.purpose == "assessment"
    facts = union_all(
        _facts(
            lesson,
            users,
            modules,
            moment=case((lesson.completed_at > lesson.started_at, lesson.completed_at), else_=lesson.started_at),
            lesson_done=case((lesson.completed_at.is_not(None), 1), else_=0),
        ),
        _facts(
            attempt,
            users,
            modules,
            moment=func.coalesce(attempt.submitted_at, attempt.started_at),
            assessment_percent=case((assessment, attempt.percent)),
            passed=case((and_(assessment, attempt.passed.is_(True)), 1), else_=0),
            precheck_percent=case((attempt.purpose == "precheck", attempt.percent)),
        ),
        _facts(
            completion,
            users,
            modules,
            moment=completion.completed_at,
            edition=completion.edition,
            completed_at=completion.completed_at,
            completion_percent=completion.percent,
            valid_until=_validity_if_latest(completion),
        ).outerjoin(Certificate, Certificate.completion_id == completion.id),
    ).subquery()
    return (
        select(
            facts.c.user_id,
            facts.c.module_id,
            func.max(facts.c.moment).label("last_activity_at"),
            func.coalesce(func.sum(facts.c.lesson_done), 0).label("lessons_completed"),
            func.max(facts.c.edition).label("completed_edition"),
            func.min(facts.c.completed_at).label("first_completed_at"),
            func.max(facts.c.completion_percent).label("completion_percent"),
            func.max(facts.c.assessment_percent).label("assessment_best"),
            cast(func.coalesce(func.max(facts.c.passed), 0), Boolean).label("assessment_passed"),
            func.min(facts.c.precheck_percent).label("precheck_lowest"),
            func.max(facts.c.valid_until).label("valid_until"),
        )
        .where(true())  # SQLite needs a WHERE before ON CONFLICT to parse INSERT ... SELECT
        .group_by(facts.c.user_id, facts.c.module_id)
    )


def _validity_if_latest(completion) -> Any:
    """When a completion stops counting (its certificate's revocation if that came first, else its expiry),
    set only on the person's latest completion of the module (highest edition, then renewal), so the
    group's MAX is that one's (NULL when it never expires). Expiry itself is compared at read time."""
    later = aliased(ModuleCompletion)
    is_latest = ~exists(
        select(later.id).where(
            later.user_id == completion.user_id,
            later.module_id == completion.module_id,
            or_(
                later.edition > completion.edition,
                and_(later.edition == completion.edition, later.renewal > completion.renewal),
            ),
        )
    )
    revoked_first = and_(
        Certificate.revoked_at.is_not(None),
        or_(Certificate.valid_until.is_(None), Certificate.revoked_at < Certificate.valid_until),
    )
    stops = case((revoked_first, Certificate.revoked_at), else_=Certificate.valid_until)
    return case((is_latest, stops))


def refresh_learner(user_id: int, module_id: int) -> None:
    """Recompute one person's summary for one module from their raw rows, and their member rows in the
    cohorts that have the module assigned; the caller commits."""
    db.session.flush()
    lock_people([user_id])
    before = _organisation_counts([user_id], [module_id])
    _upsert(LearnerModuleSummary.__table__, SUMMARY_KEYS, _learner_rows([user_id], [module_id]), add=False)
    _change_organisations(before, _organisation_counts([user_id], [module_id]))
    _upsert(CohortLearnerSummary.__table__, MEMBER_KEYS, _member_rows(users=[user_id], modules=[module_id]), add=False)


def completions_changed(completion_ids: Ids) -> None:
    """Recompute the summaries of the people and modules of these completions, after their certificates
    changed (revoked, or a validity set): set-based, for one certificate or thousands; the caller commits."""
    db.session.flush()
    pairs = db.session.execute(
        select(ModuleCompletion.user_id, ModuleCompletion.module_id)
        .where(_in(ModuleCompletion.id, completion_ids))
        .distinct()
    ).all()
    if not pairs:
        return
    users = sorted({user_id for user_id, _ in pairs})
    modules = sorted({module_id for _, module_id in pairs})
    lock_people(users)
    before = _organisation_counts(users, modules)
    _upsert(LearnerModuleSummary.__table__, SUMMARY_KEYS, _learner_rows(users, modules), add=False)
    _change_organisations(before, _organisation_counts(users, modules))
    _upsert(CohortLearnerSummary.__table__, MEMBER_KEYS, _member_rows(users=users, modules=modules), add=False)


def learner_active(user_id: int, module_id: int, moment: datetime) -> None:
    """Someone was active in a module at ``moment`` and nothing else changed (a lesson they had started,
    opened again, its time moved forward to ``moment``): move the summary's last activity forward in one
    UPDATE, with no lock and nothing recomputed. Member rows carry no time, so they stay as they are.

    A time only moves forward this way, so the caller must not have moved any raw time backwards; where
    there is no summary row yet (tables never built), it is recomputed instead. The caller commits, at
    once (the lesson page does so before rendering): on PostgreSQL a recomputation by the same person
    that reads the raw rows while this UPDATE is uncommitted, and writes after it, keeps its own time.
    """
    db.session.flush()
    summary = LearnerModuleSummary.__table__
    at = literal(moment, UTCDateTime())
    result = db.session.execute(
        update(summary)
        .where(summary.c.user_id == user_id, summary.c.module_id == module_id)
        .values(last_activity_at=case((summary.c.last_activity_at < at, at), else_=summary.c.last_activity_at))
    )
    if result.rowcount == 0:
        refresh_learner(user_id, module_id)


# --- organisations' coverage: their people's latest completions by module, edition and day -------------

ORGANISATION_KEYS = ("organisation_id", "module_id", "completed_edition", "valid_on")


def _organisation_rows(users: Ids | None = None, modules: Ids | None = None, organisation_id: int | None = None):
    """Per organisation, module, edition completed and day the completion stops counting (``NEVER``): how
    many of the organisation's people (holding any role in it, counted once) have such a latest completion,
    from the learners' summaries. ``organisation_id`` alone: every such row of these people, as if they were
    all in that organisation (for someone joining or leaving it)."""
    summary = LearnerModuleSummary
    if organisation_id is None:
        people = select(Membership.organisation_id.label("organisation_id"), Membership.user_id.label("user_id"))
        if users is not None:
            people = people.where(_in(Membership.user_id, users))
        people = people.distinct().subquery("people")
        organisation, statement = people.c.organisation_id, select().select_from(summary)
        statement = statement.join(people, people.c.user_id == summary.user_id)
    else:
        organisation, statement = literal(organisation_id, Integer()), select().select_from(summary)
    valid_on = type_coerce(func.coalesce(utc_date(summary.valid_until), literal(NEVER, Date())), Date())
    statement = statement.add_columns(
        organisation.label("organisation_id"),
        summary.module_id.label("module_id"),
        summary.completed_edition.label("completed_edition"),
        valid_on.label("valid_on"),
        func.count().label("people"),
    ).where(summary.completed_edition.is_not(None))
    if users is not None:
        statement = statement.where(_in(summary.user_id, users))
    if modules is not None:
        statement = statement.where(_in(summary.module_id, modules))
    grouping = [summary.module_id, summary.completed_edition, valid_on]
    return statement.group_by(*([] if organisation_id is not None else [organisation]), *grouping)


def _organisation_counts(users: Ids, modules: Ids | None = None, organisation_id: int | None = None) -> dict:
    """``_organisation_rows`` as {key: people}: what these people add to the organisations' rows now."""
    rows = db.session.execute(_organisation_rows(users, modules, organisation_id))
    return {tuple(row)[:4]: row[4] for row in rows}


def _change_organisations(before: dict, after: dict) -> None:
    """Move the organisations' counts from what these people added ``before`` to what they add ``after``:
    nothing is written when no count changes (most learning does not touch a completion), and the rows are
    written in key order, so two requests changing the same rows take their locks in the same order."""
    changes = sorted((key, after.get(key, 0) - before.get(key, 0)) for key in set(before) | set(after))
    changes = [(key, change) for key, change in changes if change]
    if not changes:
        return
    table = OrganisationModuleSummary.__table__
    insert = postgresql.insert if _postgresql() else sqlite.insert
    for start in range(0, len(changes), 500):
        names = (*ORGANISATION_KEYS, "people")
        values = [dict(zip(names, (*key, change), strict=True)) for key, change in changes[start : start + 500]]
        statement = insert(table).values(values)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=list(ORGANISATION_KEYS), set_={"people": table.c.people + statement.excluded.people}
            )
        )
    db.session.execute(
        delete(table).where(
            table.c.people == 0,
            table.c.organisation_id.in_(sorted({key[0] for key, _ in changes})),
            table.c.module_id.in_(sorted({key[1] for key, _ in changes})),
        )
    )


def person_joined(organisation_id: int, user_id: int) -> None:
    """Someone now holds a role in an organisation and held none before: their completions count there.
    The caller holds their row lock (``lock_people``) from before it looked at their roles."""
    db.session.flush()
    _change_organisations({}, _organisation_counts([user_id], organisation_id=organisation_id))


def person_leaving(organisation_id: int, user_id: int) -> None:
    """Someone is about to lose their last role in an organisation (call before the rows go)."""
    db.session.flush()
    lock_people([user_id])
    _change_organisations(_organisation_counts([user_id], organisation_id=organisation_id), {})


# --- cohort members' progress with their cohort's modules --------------------------------------------------


def _member_rows(cohorts: Ids | None = None, users: Ids | None = None, modules: Ids | None = None):
    """Per current member of a cohort with modules assigned: figures over those modules, from the
    learners' summaries. ``modules`` keeps to cohorts that have one of them assigned."""
    summary = LearnerModuleSummary
    live = aliased(ModuleVersion, name="live_version")
    done = summary.completed_edition.is_not(None)
    ends = summary.valid_until.is_not(None)
    stale = and_(done, summary.completed_edition < live.edition)  # no live version (not published): never
    statement = (
        select(
            CohortMember.cohort_id.label("cohort_id"),
            CohortMember.user_id.label("user_id"),
            func.count(CohortAssignment.module_id).label("assigned"),
            func.count(summary.completed_edition).label("completed"),
            cast(func.max(case((summary.user_id.is_not(None), 1), else_=0)), Boolean).label("started"),
            type_coerce(func.min(case((summary.completed_edition.is_(None), CohortAssignment.due_on))), Date()).label(
                "next_due_on"
            ),
            func.coalesce(func.sum(case((done, summary.completion_percent))), 0).label("percent_sum"),
            func.count(case((done, summary.completion_percent))).label("percent_count"),
            func.min(case((done, summary.valid_until))).label("valid_until"),
            type_coerce(func.min(case((and_(done, ends), _renew_by(summary)))), Date()).label("renew_by"),
            func.count(case((stale, 1))).label("stale"),
            type_coerce(func.min(case((stale, _stale_renew_by(summary, live)))), Date()).label("stale_renew_by"),
        )
        .select_from(CohortMember)
        .join(CohortAssignment, CohortAssignment.cohort_id == CohortMember.cohort_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .outerjoin(
            summary, and_(summary.user_id == CohortMember.user_id, summary.module_id == CohortAssignment.module_id)
        )
        .outerjoin(Module, and_(Module.id == CohortAssignment.module_id, Module.status == "published"))
        .outerjoin(live, live.id == Module.current_version_id)
        .where(CohortMember.removed_at.is_(None))
        .group_by(CohortMember.cohort_id, CohortMember.user_id)
    )
    if cohorts is not None:
        statement = statement.where(_in(CohortMember.cohort_id, cohorts))
    if users is not None:
        statement = statement.where(_in(CohortMember.user_id, users))
    if modules is not None:
        having = select(CohortAssignment.cohort_id).where(_in(CohortAssignment.module_id, modules))
        statement = statement.where(CohortMember.cohort_id.in_(having))
    return statement


def _renew_by(summary) -> Any:
    """The date to renew by once a completion stops counting: its end's day, or the assignment's if later,
    plus the cohort's days to renew (``literacy.renewal``'s rule, for expiry)."""
    return add_days(
        latest_of(utc_date(summary.valid_until), utc_date(CohortAssignment.assigned_at)),
        func.coalesce(Cohort.renewal_days, renewal.DEFAULT_RENEWAL_DAYS),
    )


def _stale_renew_by(summary, live) -> Any:
    """The date to renew a completion of an older edition by (``literacy.renewal``'s rule): renewal became
    needed the day the live edition was first published, or the day the completion stopped counting if
    that was earlier; from then, or from the assignment's day if later, the cohort's days to renew.

    It needs no "now": a completion that still counts ends after today, so after the live edition's first
    publication (which is in the past), and then the publication's day is the earlier one."""
    first = (
        select(func.min(ModuleVersion.published_at))
        .where(ModuleVersion.module_id == live.module_id, ModuleVersion.edition == live.edition)
        .scalar_subquery()
    )
    edition_on = utc_date(first)
    needed_on = case(
        (summary.valid_until.is_not(None), earliest_of(utc_date(summary.valid_until), edition_on)),
        else_=edition_on,
    )
    return add_days(
        latest_of(needed_on, utc_date(CohortAssignment.assigned_at)),
        func.coalesce(Cohort.renewal_days, renewal.DEFAULT_RENEWAL_DAYS),
    )


def live_edition_changed(module_id: int) -> None:
    """A module's live edition (or whether it is published) changed: recompute the member rows of every
    cohort that assigns it, which count completions of older editions; the caller commits."""
    db.session.flush()
    assigning = select(CohortAssignment.cohort_id).where(CohortAssignment.module_id == module_id)
    lock_people(
        select(CohortMember.user_id).where(CohortMember.cohort_id.in_(assigning), CohortMember.removed_at.is_(None))
    )
    _upsert(CohortLearnerSummary.__table__, MEMBER_KEYS, _member_rows(modules=[module_id]), add=False)


def refresh_members(cohort_id: int, user_ids: list[int] | None = None) -> None:
    """Recompute a cohort's member rows (all, or these people's) after its members or modules changed."""
    db.session.flush()
    stale = delete(CohortLearnerSummary).where(CohortLearnerSummary.cohort_id == cohort_id)
    if user_ids is not None:
        stale = stale.where(_in(CohortLearnerSummary.user_id, user_ids))
    db.session.execute(stale)
    rows = _member_rows(cohorts=[cohort_id], users=user_ids)
    db.session.execute(CohortLearnerSummary.__table__.insert().from_select(_names(rows), rows))


# --- cohorts' answer tallies -------------------------------------------------------------------------------


def _tally_rows(
    sign: int,
    *,
    cohorts: Ids | None = None,
    users: Ids | None = None,
    modules: Ids | None = None,
    attempts: Ids | None = None,
):
    """Submitted assessment answers of current members, for assigned modules, grouped as the tally is."""
    mark = case((Response.is_correct.is_(True), 1), else_=0)
    rest = func.coalesce(QuizAttempt.score, 0) - mark
    with_options = exists(
        select(Question.id).where(
            Question.version_id == QuizAttempt.version_id,
            Question.key == Response.question_key,
            Question.kind.in_(kinds_with_options()),  # typed answers are not counted one by one
        )
    )
    each = (
        select(
            CohortMember.cohort_id.label("cohort_id"),
            QuizAttempt.module_id.label("module_id"),
            Response.question_key.label("question_key"),
            case((with_options, cast(Response.answer, Text)), else_=literal_column("''")).label("answer"),
            func.coalesce(Response.confidence, 0).label("confidence"),
            Response.is_correct.label("correct"),
            rest.label("rest"),
        )
        .select_from(Response)
        .join(QuizAttempt, QuizAttempt.id == Response.attempt_id)
        .join(CohortMember, and_(CohortMember.user_id == QuizAttempt.user_id, CohortMember.removed_at.is_(None)))
        .join(
            CohortAssignment,
            and_(
                CohortAssignment.cohort_id == CohortMember.cohort_id,
                CohortAssignment.module_id == QuizAttempt.module_id,
            ),
        )
        .where(
            QuizAttempt.purpose == "assessment",
            QuizAttempt.submitted_at.is_not(None),
            Response.is_correct.is_not(None),
        )
    )
    if cohorts is not None:
        each = each.where(_in(CohortMember.cohort_id, cohorts))
    if users is not None:
        each = each.where(_in(QuizAttempt.user_id, users))
    if modules is not None:
        each = each.where(_in(QuizAttempt.module_id, modules))
    if attempts is not None:
        each = each.where(_in(QuizAttempt.id, attempts))
    each = each.subquery()
    return (
        select(
            *[each.c[name] for name in TALLY_KEYS],
            (func.count() * sign).label("answers"),
            (func.sum(each.c.rest) * sign).label("rest_sum"),
            (func.sum(each.c.rest * each.c.rest) * sign).label("rest_squares"),
        )
        .where(true())
        .group_by(*[each.c[name] for name in TALLY_KEYS])
    )


def tally_answers(
    sign: int,
    *,
    cohorts: Ids | None = None,
    users: Ids | None = None,
    modules: Ids | None = None,
    attempts: Ids | None = None,
) -> None:
    """Add (``sign`` 1) or take away (-1) the answers in scope from the cohorts' tallies; the caller commits.

    Call it after answers enter a cohort's scope (an attempt graded, a member added, a module assigned) and
    before they leave it (a member removed). The caller holds the people's row locks.
    """
    db.session.flush()
    source = _tally_rows(sign, cohorts=cohorts, users=users, modules=modules, attempts=attempts)
    _upsert(CohortAnswerTally.__table__, TALLY_KEYS, source, add=True)
    if sign < 0:
        emptied = delete(CohortAnswerTally).where(CohortAnswerTally.answers <= 0)
        if cohorts is not None:
            emptied = emptied.where(_in(CohortAnswerTally.cohort_id, cohorts))
        db.session.execute(emptied)


def members_joined(cohort_id: int, user_ids: list[int]) -> None:
    """People became current members of a cohort: their answers to its modules now count there."""
    if user_ids:
        lock_people(user_ids)
        tally_answers(1, cohorts=[cohort_id], users=user_ids)
        refresh_members(cohort_id, user_ids)


def member_leaving(cohort_id: int, user_id: int) -> None:
    """Someone is about to stop being a current member (call before marking them removed)."""
    lock_people([user_id])
    tally_answers(-1, cohorts=[cohort_id], users=[user_id])
    db.session.execute(
        delete(CohortLearnerSummary).where(
            CohortLearnerSummary.cohort_id == cohort_id, CohortLearnerSummary.user_id == user_id
        )
    )


def module_assigned(cohort_id: int, module_id: int) -> None:
    """A module newly assigned to a cohort: its members' answers to it now count there."""
    _lock_members(cohort_id)
    tally_answers(1, cohorts=[cohort_id], modules=[module_id])
    refresh_members(cohort_id)


def module_unassigned(cohort_id: int, module_id: int) -> None:
    _lock_members(cohort_id)
    db.session.execute(
        delete(CohortAnswerTally).where(
            CohortAnswerTally.cohort_id == cohort_id, CohortAnswerTally.module_id == module_id
        )
    )
    refresh_members(cohort_id)


def due_date_changed(cohort_id: int) -> None:
    _lock_members(cohort_id)
    refresh_members(cohort_id)


def _lock_members(cohort_id: int) -> None:
    lock_people(
        select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id, CohortMember.removed_at.is_(None))
    )


# --- rebuilding and checking -------------------------------------------------------------------------------


def _tables() -> list[tuple[Any, tuple[str, ...], Any]]:
    """Each derived table with its keys and computation, in the order they depend on one another."""
    return [
        (LearnerModuleSummary.__table__, SUMMARY_KEYS, _learner_rows()),
        (CohortLearnerSummary.__table__, MEMBER_KEYS, _member_rows()),
        (CohortAnswerTally.__table__, TALLY_KEYS, _tally_rows(1)),
        (OrganisationModuleSummary.__table__, ORGANISATION_KEYS, _organisation_rows()),
    ]


def rebuild() -> dict[str, int]:
    """Recompute every derived table from the raw rows (set-based); returns how many rows each now has."""
    db.session.flush()
    counts = {}
    for table, _keys, source in _tables():
        db.session.execute(delete(table))
        db.session.execute(table.insert().from_select(_names(source), source))
        counts[table.name] = db.session.execute(select(func.count()).select_from(table)).scalar_one()
    return counts


def differences(limit: int = 20) -> list[str]:
    """Rows where the stored tables disagree with a fresh computation (empty when all is well)."""
    db.session.flush()
    found: list[str] = []
    for table, keys, source in _tables():
        names = _names(source)
        values = [name for name in names if name not in keys]
        stored = _by_key(select(*[table.c[name] for name in names]), keys, values)
        if table.name == "cohort_answer_tally":  # a count brought back to nothing is no answer at all
            stored = {key: row for key, row in stored.items() if row[values.index("answers")] != 0}
        expected = _by_key(_typed(table, source), keys, values)
        for key in sorted(set(stored) | set(expected), key=repr):
            if stored.get(key) != expected.get(key):
                found.append(f"{table.name} {key}: stored {stored.get(key)}, expected {expected.get(key)}")
                if len(found) >= limit:
                    return found
    return found


def _by_key(statement, keys, values) -> dict[tuple, tuple]:
    rows = (row._mapping for row in db.session.execute(statement))
    return {tuple(row[name] for name in keys): tuple(row[name] for name in values) for row in rows}


def _typed(table, source):
    """The source rows read back through the table's own column types (so datetimes compare equal)."""
    inner = source.subquery()
    return select(*[type_coerce(inner.c[name], table.c[name].type).label(name) for name in _names(source)])
