"""Keeps the dashboards' derived tables (``models/summaries.py``) in step with what people do.

Two rules keep them right. A learner's row for a module, and their rows as a member of the cohorts that
have the module assigned, are recomputed from their own rows whenever they write one, so they cannot
drift; a cohort's member rows are recomputed when its members or modules change. A cohort's answer tally
changes by exactly the answers that enter or leave it: an assessment submitted, a member added or
removed, a module assigned or unassigned. Every change takes the learners' row locks first (PostgreSQL),
as starting an attempt does, so two requests touching one person queue up instead of each missing the
other's rows. ``rebuild`` recomputes everything from the raw
rows (after a bulk import, say) and ``differences`` compares without writing; both are ``flask summaries``.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    literal_column,
    null,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from .content.kinds import KINDS_WITH_OPTIONS
from .extensions import db
from .models import (
    CohortAnswerTally,
    CohortAssignment,
    CohortLearnerSummary,
    CohortMember,
    LearnerModuleSummary,
    LessonProgress,
    ModuleCompletion,
    Question,
    QuizAttempt,
    Response,
    User,
    UTCDateTime,
)

SUMMARY_KEYS = ("user_id", "module_id")
SUMMARY_VALUES = (
    "last_activity_at",
    "lessons_completed",
    "completed_edition",
    "first_completed_at",
    "completion_percent",
    "assessment_best",
    "assessment_passed",
    "precheck_lowest",
)
TALLY_KEYS = ("cohort_id", "module_id", "question_key", "answer", "confidence", "correct")
TALLY_VALUES = ("answers", "rest_sum", "rest_squares")
MEMBER_KEYS = ("cohort_id", "user_id")
MEMBER_VALUES = ("assigned", "completed", "started", "next_due_on", "percent_sum", "percent_count")

Ids = Iterable[int] | Any  # a list of ids or a SELECT of them


def _connection(connection: Any = None) -> Any:
    return connection if connection is not None else db.session


def _dialect(connection: Any) -> str:
    bind = connection.get_bind() if hasattr(connection, "get_bind") else connection
    return bind.dialect.name


def _in(column, ids: Ids):
    return column.in_(list(ids) if isinstance(ids, list | tuple | set | frozenset) else ids)


def lock_people(user_ids: Ids, connection: Any = None) -> None:
    """Take these people's row locks until commit (PostgreSQL; SQLite has one writer at a time anyway)."""
    connection = _connection(connection)
    if _dialect(connection) == "postgresql":
        connection.execute(select(User.id).where(_in(User.id, user_ids)).order_by(User.id).with_for_update())


def _upsert(connection: Any, table, keys: tuple[str, ...], values: tuple[str, ...], source, *, add: bool) -> None:
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE, replacing the values or adding to them."""
    insert = postgresql.insert if _dialect(connection) == "postgresql" else sqlite.insert
    statement = insert(table).from_select([*keys, *values], source)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: (table.c[name] + statement.excluded[name]) if add else statement.excluded[name] for name in values},
    )
    connection.execute(statement)


# --- learners' progress per module -------------------------------------------------------------------------


def _learner_rows(users: Ids | None = None, modules: Ids | None = None):
    """The summary rows computed from raw progress, attempts and completions (one per person and module)."""

    def scoped(model, statement):
        if users is not None:
            statement = statement.where(_in(model.user_id, users))
        if modules is not None:
            statement = statement.where(_in(model.module_id, modules))
        return statement

    no_int = cast(null(), Integer)
    no_time = cast(null(), UTCDateTime())
    lessons = scoped(
        LessonProgress,
        select(
            LessonProgress.user_id,
            LessonProgress.module_id,
            case(
                (LessonProgress.completed_at > LessonProgress.started_at, LessonProgress.completed_at),
                else_=LessonProgress.started_at,
            ).label("moment"),
            case((LessonProgress.completed_at.is_not(None), 1), else_=0).label("lesson_done"),
            no_int.label("edition"),
            no_time.label("completed_at"),
            no_int.label("completion_percent"),
            no_int.label("assessment_percent"),
            no_int.label("passed"),
            no_int.label("precheck_percent"),
        ),
    )
    assessment = QuizAttempt.purpose == "assessment"
    attempts = scoped(
        QuizAttempt,
        select(
            QuizAttempt.user_id,
            QuizAttempt.module_id,
            func.coalesce(QuizAttempt.submitted_at, QuizAttempt.started_at),
            no_int,
            no_int,
            no_time,
            no_int,
            case((assessment, QuizAttempt.percent), else_=no_int),
            case((and_(assessment, QuizAttempt.passed.is_(True)), 1), else_=0),
            case((QuizAttempt.purpose == "precheck", QuizAttempt.percent), else_=no_int),
        ),
    )
    completions = scoped(
        ModuleCompletion,
        select(
            ModuleCompletion.user_id,
            ModuleCompletion.module_id,
            ModuleCompletion.completed_at,
            no_int,
            ModuleCompletion.edition,
            ModuleCompletion.completed_at,
            ModuleCompletion.percent,
            no_int,
            no_int,
            no_int,
        ),
    )
    facts = union_all(lessons, attempts, completions).subquery()
    return (
        select(
            facts.c.user_id,
            facts.c.module_id,
            func.max(facts.c.moment),
            func.coalesce(func.sum(facts.c.lesson_done), 0),
            func.max(facts.c.edition),
            func.min(facts.c.completed_at),
            func.max(facts.c.completion_percent),
            func.max(facts.c.assessment_percent),
            cast(func.coalesce(func.max(facts.c.passed), 0), Boolean),
            func.min(facts.c.precheck_percent),
        )
        .where(true())  # SQLite needs a WHERE before ON CONFLICT to parse INSERT ... SELECT
        .group_by(facts.c.user_id, facts.c.module_id)
    )


def refresh_learner(user_id: int, module_id: int, connection: Any = None, *, members: bool = True) -> None:
    """Recompute one person's summary for one module from their raw rows, and their member rows in the
    cohorts that have the module assigned (``members=False`` when only the time of activity moved, as on
    a lesson opened again); the caller commits."""
    connection = _connection(connection)
    if hasattr(connection, "flush"):
        connection.flush()
    lock_people([user_id], connection)
    _upsert(
        connection,
        LearnerModuleSummary.__table__,
        SUMMARY_KEYS,
        SUMMARY_VALUES,
        _learner_rows([user_id], [module_id]),
        add=False,
    )
    if not members:
        return
    _upsert(
        connection,
        CohortLearnerSummary.__table__,
        MEMBER_KEYS,
        MEMBER_VALUES,
        _member_rows(users=[user_id], modules=[module_id]),
        add=False,
    )


# --- cohort members' progress with their cohort's modules --------------------------------------------------


def _member_rows(cohorts: Ids | None = None, users: Ids | None = None, modules: Ids | None = None):
    """Per current member of a cohort with modules assigned: figures over those modules, from the
    learners' summaries. ``modules`` keeps to cohorts that have one of them assigned."""
    summary = LearnerModuleSummary
    done = summary.completed_edition.is_not(None)
    statement = (
        select(
            CohortMember.cohort_id,
            CohortMember.user_id,
            func.count(CohortAssignment.module_id),
            func.count(summary.completed_edition),
            cast(func.max(case((summary.user_id.is_not(None), 1), else_=0)), Boolean),
            type_coerce(func.min(case((summary.completed_edition.is_(None), CohortAssignment.due_on))), Date()),
            func.coalesce(func.sum(case((done, summary.completion_percent))), 0),
            func.count(case((done, summary.completion_percent))),
        )
        .select_from(CohortMember)
        .join(CohortAssignment, CohortAssignment.cohort_id == CohortMember.cohort_id)
        .outerjoin(
            summary, and_(summary.user_id == CohortMember.user_id, summary.module_id == CohortAssignment.module_id)
        )
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


def refresh_members(cohort_id: int, user_ids: list[int] | None = None, connection: Any = None) -> None:
    """Recompute a cohort's member rows (all, or these people's) after its members or modules changed."""
    connection = _connection(connection)
    if hasattr(connection, "flush"):
        connection.flush()
    stale = delete(CohortLearnerSummary).where(CohortLearnerSummary.cohort_id == cohort_id)
    if user_ids is not None:
        stale = stale.where(_in(CohortLearnerSummary.user_id, user_ids))
    connection.execute(stale)
    rows = _member_rows(cohorts=[cohort_id], users=user_ids)
    connection.execute(CohortLearnerSummary.__table__.insert().from_select([*MEMBER_KEYS, *MEMBER_VALUES], rows))


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
            Question.kind.in_(KINDS_WITH_OPTIONS),  # typed answers are not counted one by one
        )
    )
    each = (
        select(
            CohortMember.cohort_id,
            QuizAttempt.module_id,
            Response.question_key,
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
            func.count() * sign,
            func.sum(each.c.rest) * sign,
            func.sum(each.c.rest * each.c.rest) * sign,
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
    connection: Any = None,
) -> None:
    """Add (``sign`` 1) or take away (-1) the answers in scope from the cohorts' tallies; the caller commits.

    Call it after answers enter a cohort's scope (an attempt graded, a member added, a module assigned) and
    before they leave it (a member removed). The caller holds the people's row locks.
    """
    connection = _connection(connection)
    if hasattr(connection, "flush"):
        connection.flush()
    source = _tally_rows(sign, cohorts=cohorts, users=users, modules=modules, attempts=attempts)
    _upsert(connection, CohortAnswerTally.__table__, TALLY_KEYS, TALLY_VALUES, source, add=True)
    if sign < 0:
        emptied = delete(CohortAnswerTally).where(CohortAnswerTally.answers <= 0)
        if cohorts is not None:
            emptied = emptied.where(_in(CohortAnswerTally.cohort_id, cohorts))
        connection.execute(emptied)


def members_joined(cohort_id: int, user_ids: list[int], connection: Any = None) -> None:
    """People became current members of a cohort: their answers to its modules now count there."""
    if user_ids:
        lock_people(user_ids, connection)
        tally_answers(1, cohorts=[cohort_id], users=user_ids, connection=connection)
        refresh_members(cohort_id, user_ids, connection)


def member_leaving(cohort_id: int, user_id: int, connection: Any = None) -> None:
    """Someone is about to stop being a current member (call before marking them removed)."""
    lock_people([user_id], connection)
    tally_answers(-1, cohorts=[cohort_id], users=[user_id], connection=connection)
    _connection(connection).execute(
        delete(CohortLearnerSummary).where(
            CohortLearnerSummary.cohort_id == cohort_id, CohortLearnerSummary.user_id == user_id
        )
    )


def module_assigned(cohort_id: int, module_id: int, connection: Any = None) -> None:
    """A module newly assigned to a cohort: its members' answers to it now count there."""
    _lock_members(cohort_id, connection)
    tally_answers(1, cohorts=[cohort_id], modules=[module_id], connection=connection)
    refresh_members(cohort_id, connection=connection)


def module_unassigned(cohort_id: int, module_id: int, connection: Any = None) -> None:
    _lock_members(cohort_id, connection)
    _connection(connection).execute(
        delete(CohortAnswerTally).where(
            CohortAnswerTally.cohort_id == cohort_id, CohortAnswerTally.module_id == module_id
        )
    )
    refresh_members(cohort_id, connection=connection)


def due_date_changed(cohort_id: int, connection: Any = None) -> None:
    _lock_members(cohort_id, connection)
    refresh_members(cohort_id, connection=connection)


def _lock_members(cohort_id: int, connection: Any = None) -> None:
    lock_people(
        select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id, CohortMember.removed_at.is_(None)),
        connection,
    )


# --- rebuilding and checking -------------------------------------------------------------------------------


def _tables() -> list[tuple[Any, tuple[str, ...], tuple[str, ...], Any]]:
    """Each derived table with its computation, in the order they depend on one another."""
    return [
        (LearnerModuleSummary.__table__, SUMMARY_KEYS, SUMMARY_VALUES, _learner_rows()),
        (CohortLearnerSummary.__table__, MEMBER_KEYS, MEMBER_VALUES, _member_rows()),
        (CohortAnswerTally.__table__, TALLY_KEYS, TALLY_VALUES, _tally_rows(1)),
    ]


def rebuild(connection: Any = None) -> dict[str, int]:
    """Recompute every derived table from the raw rows (set-based); returns how many rows each now has."""
    connection = _connection(connection)
    if hasattr(connection, "flush"):
        connection.flush()
    counts = {}
    for table, keys, values, source in _tables():
        connection.execute(delete(table))
        connection.execute(table.insert().from_select([*keys, *values], source))
        counts[table.name] = connection.execute(select(func.count()).select_from(table)).scalar_one()
    return counts


def differences(connection: Any = None, limit: int = 20) -> list[str]:
    """Rows where the stored tables disagree with a fresh computation (empty when all is well)."""
    connection = _connection(connection)
    if hasattr(connection, "flush"):
        connection.flush()
    found: list[str] = []
    for table, keys, values, source in _tables():
        width = len(keys)
        stored = {
            tuple(row[:width]): tuple(row[width:])
            for row in connection.execute(select(*[table.c[name] for name in (*keys, *values)]))
        }
        if table.name == "cohort_answer_tally":
            stored = {key: row for key, row in stored.items() if row[0] != 0}
        expected = {
            tuple(row[:width]): tuple(row[width:]) for row in connection.execute(_typed(table, keys, values, source))
        }
        for key in sorted(set(stored) | set(expected), key=repr):
            if stored.get(key) != expected.get(key):
                found.append(f"{table.name} {key}: stored {stored.get(key)}, expected {expected.get(key)}")
                if len(found) >= limit:
                    return found
    return found


def _typed(table, keys, values, source):
    """The source rows read back through the table's own column types (so datetimes compare equal)."""
    inner = source.subquery()
    return select(
        *[
            type_coerce(column, table.c[name].type).label(name)
            for column, name in zip(inner.c, (*keys, *values), strict=True)
        ]
    )

