"""What is due at a moment, queued in the outbox set-based: one ``INSERT ... SELECT`` per kind of message.

A reminder is an event with a name: "due:<assignment>:<user>:<due date>:<days before>",
"overdue:<assignment>:<user>:<due date>:<week>", "expiry:<certificate>", "digest:<cohort>:<user>:<ISO
week>". The name is the outbox row's unique ``dedupe_key``, built in SQL and inserted with ON CONFLICT DO
NOTHING, so a second run, a restart or two consumers at the same moment queue each event once; nothing
here keeps a "last run" time, which is why a run after an outage catches up by itself (and, for the days
before a due date, only with the nearest reminder: the earlier ones are past).

The statements do not grow with the number of people: one read of the organisations' settings, then
one statement per kind (two for expiry notices). Words are not written here; each kind's writer
(``reminder_messages``) writes the message from the row's context when it is sent, and checks again
whether it is still needed.

Work that is due comes from ``literacy.renewal.due_work`` when that module exists (assigned work and
renewals with their own due dates), else from ``outstanding_work`` below (assignments with a due date and
no valid completion of the module).
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)

from ..extensions import db, writing
from ..models import (
    Certificate,
    Cohort,
    CohortAssignment,
    CohortMember,
    Membership,
    Module,
    ModuleCompletion,
    Organisation,
    OutboxMessage,
    Role,
    User,
    utcnow,
)
from ..models.types import UTCDateTime, days_between

DEFAULT_DAYS_BEFORE = (7, 1)
DEFAULT_EXPIRY_NOTICE_DAYS = 30
DIGEST_ROLES = (Role.MANAGER.value, Role.ORG_ADMIN.value)
KINDS = ("due_reminder", "overdue_reminder", "expiry_reminder", "manager_digest")

# --- portable SQL pieces ---------------------------------------------------------------------------------


def _json_object(pairs: list[tuple[str, Any]]) -> Any:
    """A JSON object built by the database (json_object on SQLite, json_build_object on PostgreSQL).

    Keys are fixed names written into the SQL as literals (PostgreSQL cannot type a bound key)."""
    name = "json_build_object" if db.engine.dialect.name == "postgresql" else "json_object"
    arguments: list[Any] = []
    for key, value in pairs:
        assert key.isidentifier()
        arguments += [literal_column(f"'{key}'"), value]
    return getattr(func, name)(*arguments)


def _text(value: Any) -> Any:
    return cast(value, String)


def _key(prefix: str, *parts: Any) -> Any:
    """'prefix:part:part...' in SQL; ints and dates are cast to text (ISO dates on both databases)."""
    expression: Any = literal(prefix, String)
    for part in parts:
        expression = expression + literal(":", String) + (part if isinstance(part, str) else _text(part))
    return expression


def _when(value: datetime) -> Any:
    return literal(value, UTCDateTime())


# --- the moment and the settings ---------------------------------------------------------------------


def local_date(now: datetime) -> date:
    """The date at ``now`` where the site is (``LITERACY_DEFAULT_TIMEZONE``), as pages count "today"."""
    return now.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def local_midnight(day: date) -> datetime:
    """The moment ``day`` begins where the site is, as an aware datetime (for comparing with UTC columns)."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_period(day: date) -> tuple[date, date]:
    """The week a digest queued on ``day`` reports on: the whole ISO week before ``day``'s week
    (Monday to the following Monday, exclusive), the same for every run in the week."""
    monday = day - timedelta(days=day.weekday())
    return monday - timedelta(days=7), monday


def days_before(value: Any) -> list[int]:
    """An organisation's reminder days (a JSON list), cleaned: whole days from 1 to 365, at most 4."""
    if not isinstance(value, list):
        return list(DEFAULT_DAYS_BEFORE)
    cleaned = sorted({int(n) for n in value if isinstance(n, int) and not isinstance(n, bool) and 0 < n <= 365})
    return cleaned[:4]


@dataclass(frozen=True)
class Settings:
    """The organisations' reminder settings grouped by value, read in one query, so each statement's
    per-organisation parts are a CASE over a few groups of organisation ids."""

    days_before: dict[tuple[int, ...], list[int]]
    expiry_days: dict[int, list[int]]


def settings() -> Settings:
    rows = db.session.execute(
        select(Organisation.id, Organisation.reminder_days_before, Organisation.expiry_notice_days).where(
            Organisation.archived_at.is_(None)
        )
    )
    by_days: dict[tuple[int, ...], list[int]] = defaultdict(list)
    by_expiry: dict[int, list[int]] = defaultdict(list)
    for organisation_id, reminder_days, expiry_days in rows:
        by_days[tuple(days_before(reminder_days))].append(organisation_id)
        notice = expiry_days if isinstance(expiry_days, int) and expiry_days > 0 else DEFAULT_EXPIRY_NOTICE_DAYS
        by_expiry[notice].append(organisation_id)
    return Settings(dict(by_days), dict(by_expiry))


# --- the work that is due ------------------------------------------------------------------------------


def valid_completion(user_id: Any, module_id: Any, now: datetime) -> Any:
    """EXISTS a completion of the module whose certificate is not revoked and has not expired at ``now``
    (a completion without a certificate counts as valid)."""
    return exists(
        select(ModuleCompletion.id)
        .outerjoin(Certificate, Certificate.completion_id == ModuleCompletion.id)
        .where(
            ModuleCompletion.user_id == user_id,
            ModuleCompletion.module_id == module_id,
            Certificate.revoked_at.is_(None),
            or_(Certificate.valid_until.is_(None), Certificate.valid_until > _when(now)),
        )
    )


def outstanding_work(now: datetime) -> Select[Any]:
    """(user_id, cohort_id, assignment_id, module_id, due_on, kind) for current members' assignments with
    a due date and no valid completion of the module: the same columns as ``literacy.renewal.due_work``."""
    return (
        select(
            CohortMember.user_id.label("user_id"),
            CohortAssignment.cohort_id.label("cohort_id"),
            CohortAssignment.id.label("assignment_id"),
            CohortAssignment.module_id.label("module_id"),
            CohortAssignment.due_on.label("due_on"),
            literal("assignment", String).label("kind"),
        )
        .join(CohortAssignment, CohortAssignment.cohort_id == CohortMember.cohort_id)
        .where(
            CohortMember.removed_at.is_(None),
            CohortAssignment.due_on.is_not(None),
            ~valid_completion(CohortMember.user_id, CohortAssignment.module_id, now),
        )
    )


def _renewal_module() -> Any:
    try:
        module = importlib.import_module("literacy.renewal")
    except ModuleNotFoundError as missing:
        if missing.name != "literacy.renewal":
            raise
        return None
    return module if hasattr(module, "due_work") else None


def due_work(now: datetime, users: list[int] | None = None, cohorts: list[int] | None = None) -> Select[Any]:
    """The work due for everyone at ``now``: renewal's ``due_work`` (which knows renewal due dates) when
    it exists, else the assignments' own due dates. ``users`` / ``cohorts`` narrow it."""
    renewal = _renewal_module()
    if renewal is not None:
        return renewal.due_work(now=now, users=users, cohorts=cohorts)
    statement = outstanding_work(now)
    if users is not None:
        statement = statement.where(CohortMember.user_id.in_(users))
    if cohorts is not None:
        statement = statement.where(CohortMember.cohort_id.in_(cohorts))
    return statement


def still_due(user_id: int, assignment_id: int, now: datetime) -> tuple[date, str] | None:
    """(due date, kind) of one person's work on one assignment at ``now``, None when nothing is due (done,
    or no longer a current member of the cohort): the writers' check at send time, with the same rules
    as the queueing."""
    work = due_work(now, [user_id]).subquery()
    row = db.session.execute(
        select(work.c.due_on, work.c.kind)
        .where(work.c.user_id == user_id, work.c.assignment_id == assignment_id)
        .order_by(work.c.due_on)
        .limit(1)
    ).first()
    if row is None or row.due_on is None:
        return None
    return row.due_on, row.kind


# --- queueing ------------------------------------------------------------------------------------------

OUTBOX = OutboxMessage.__table__
COLUMNS = (
    "kind",
    "recipient",
    "user_id",
    "organisation_id",
    "language",
    "context",
    "dedupe_key",
    "is_optional",
    "status",
    "attempts",
    "subject",
    "created_at",
    "next_attempt_at",
)


def _insert(rows: Select[Any]) -> int:
    """INSERT the selected rows into the outbox, skipping every dedupe_key already there; returns how many."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = (
        insert(OUTBOX)
        .from_select(list(COLUMNS), rows)
        .on_conflict_do_nothing(index_elements=[OUTBOX.c.dedupe_key])
        .execution_options(preserve_rowcount=True)  # an INSERT's row count is otherwise not kept
    )
    result = db.session.connection().execute(statement)
    return max(result.rowcount or 0, 0)


def _fixed(kind: str, now: datetime) -> dict[str, Any]:
    return {
        "kind": literal(kind, String),
        "is_optional": true(),
        "status": literal("queued", String),
        "attempts": literal(0, Integer),
        "subject": literal("", String),
        "created_at": _when(now),
        "next_attempt_at": _when(now),
    }


def _row(kind: str, now: datetime, **values: Any) -> list[Any]:
    columns = {**_fixed(kind, now), **values}
    return [columns[name].label(name) for name in COLUMNS]


def _language() -> Any:
    return func.coalesce(User.locale, literal(str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "en"), String))


def _member(cohort_id: Any, user_id: Any) -> Any:
    return exists().where(
        CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id, CohortMember.removed_at.is_(None)
    )


def _nearest_threshold(groups: dict[tuple[int, ...], list[int]], organisation_id: Any, due_on: Any, today: date) -> Any:
    """The smallest of the organisation's "days before" N with ``due_on - N <= today``, or NULL: one CASE
    over the groups of organisations sharing a setting, with the window ends bound as dates."""
    branches = []
    for thresholds, organisation_ids in groups.items():
        if not thresholds:
            continue
        inner = case(
            *[(due_on <= literal(today + timedelta(days=n), Date), literal(n, Integer)) for n in thresholds],
            else_=None,
        )
        branches.append((organisation_id.in_(organisation_ids), inner))
    if not branches:
        return literal(None, Integer)
    return case(*branches, else_=None)


def _work_people(now: datetime, *extra: Any) -> tuple[Any, Select]:
    """Due work (``renewal.due_work``) with each person's address and language and the cohort's
    organisation, for enabled people who want reminders, still members, in organisations not archived:
    what the due and overdue reminders share. ``extra`` columns are computed over the returned ``work``."""
    work = due_work(now).subquery("work")
    columns = [column(work) for column in extra]
    statement = (
        select(
            work.c.user_id,
            work.c.cohort_id,
            work.c.assignment_id,
            work.c.module_id,
            work.c.due_on,
            work.c.kind,
            Cohort.organisation_id,
            User.email,
            _language().label("language"),
            *columns,
        )
        .select_from(work)
        .join(User, User.id == work.c.user_id)
        .join(Cohort, Cohort.id == work.c.cohort_id)
        .join(Organisation, Organisation.id == Cohort.organisation_id)
        .where(
            User.is_enabled.is_(True),
            User.notify_reminders.is_(True),
            Organisation.archived_at.is_(None),
            _member(work.c.cohort_id, work.c.user_id),
        )
    )
    return work, statement


def _work_row(kind: str, now: datetime, rows: Any, extra: str, key: str) -> Select:
    """The outbox row for each of ``rows`` (a ``_work_people`` subquery), with ``extra`` in its context
    and its dedupe key."""
    return select(
        *_row(
            kind,
            now,
            recipient=rows.c.email,
            user_id=rows.c.user_id,
            organisation_id=rows.c.organisation_id,
            language=rows.c.language,
            context=_json_object(
                [
                    ("assignment_id", rows.c.assignment_id),
                    ("cohort_id", rows.c.cohort_id),
                    ("module_id", rows.c.module_id),
                    ("due_on", _text(rows.c.due_on)),
                    (extra, rows.c[extra]),
                    ("work", rows.c.kind),
                ]
            ),
            dedupe_key=_key(key, rows.c.assignment_id, rows.c.user_id, rows.c.due_on, rows.c[extra]),
        )
    )


def queue_due_reminders(now: datetime, today: date, groups: dict[tuple[int, ...], list[int]]) -> int:
    def threshold(work: Any) -> Any:
        return _nearest_threshold(groups, Cohort.organisation_id, work.c.due_on, today).label("days_before")

    work, statement = _work_people(now, threshold)
    due = statement.where(work.c.due_on > literal(today, Date)).subquery("due")
    return _insert(_work_row("due_reminder", now, due, "days_before", "due").where(due.c.days_before.is_not(None)))


def queue_overdue_reminders(now: datetime, today: date) -> int:
    def week(work: Any) -> Any:  # weekly from the day after the due date: days 1-7 are week 1, 8-14 week 2 ...
        days_over = days_between(work.c.due_on, literal(today, Date))
        return ((days_over - literal(1, Integer)) // literal(7, Integer) + literal(1, Integer)).label("week")

    work, statement = _work_people(now, week)
    overdue = statement.where(Organisation.overdue_reminders.is_(True), work.c.due_on < literal(today, Date))
    overdue = overdue.subquery("overdue")
    return _insert(_work_row("overdue_reminder", now, overdue, "week", "overdue").where(true()))


def _expiry_window(groups: dict[int, list[int]], organisation_id: Any, now: datetime) -> Any:
    """The latest ``valid_until`` an organisation tells people about at ``now`` (now + its notice days)."""
    branches = [
        (organisation_id.in_(organisation_ids), _when(now + timedelta(days=days)))
        for days, organisation_ids in groups.items()
    ]
    if not branches:
        return _when(now)
    return case(*branches, else_=None)


def latest_unrenewed(now: datetime) -> Any:
    """Conditions on Certificate/ModuleCompletion: not revoked, not expired at ``now``, and its holder has
    no later completion of the module (it is their latest: not renewed yet)."""
    later = ModuleCompletion.__table__.alias("later")
    return and_(
        Certificate.revoked_at.is_(None),
        Certificate.valid_until.is_not(None),
        Certificate.valid_until > _when(now),
        ~exists().where(
            later.c.user_id == ModuleCompletion.user_id,
            later.c.module_id == ModuleCompletion.module_id,
            later.c.id > ModuleCompletion.id,
        ),
    )


def _expiry_rows(candidates: Any, now: datetime) -> Select[Any]:
    return select(
        *_row(
            "expiry_reminder",
            now,
            recipient=candidates.c.email,
            user_id=candidates.c.user_id,
            organisation_id=candidates.c.organisation_id,
            language=candidates.c.language,
            context=_json_object(
                [
                    ("certificate_id", candidates.c.certificate_id),
                    ("module_id", candidates.c.module_id),
                ]
            ),
            dedupe_key=_key("expiry", candidates.c.certificate_id),
        )
    ).where(true())


def queue_expiry_reminders(now: datetime, groups: dict[int, list[int]]) -> int:
    """Certificates about to expire, told to their holders: first through the organisations whose cohorts
    assign the module to them (the lowest such organisation id names it), then, for the rest, through the
    module's own organisation where they hold a role."""
    holder = and_(User.is_enabled.is_(True), User.notify_renewals.is_(True))
    through_cohorts = (
        select(
            Certificate.id.label("certificate_id"),
            ModuleCompletion.user_id.label("user_id"),
            ModuleCompletion.module_id.label("module_id"),
            User.email.label("email"),
            _language().label("language"),
            func.min(Cohort.organisation_id).label("organisation_id"),
        )
        .select_from(Certificate)
        .join(ModuleCompletion, ModuleCompletion.id == Certificate.completion_id)
        .join(User, User.id == ModuleCompletion.user_id)
        .join(CohortMember, and_(CohortMember.user_id == ModuleCompletion.user_id, CohortMember.removed_at.is_(None)))
        .join(
            CohortAssignment,
            and_(
                CohortAssignment.cohort_id == CohortMember.cohort_id,
                CohortAssignment.module_id == ModuleCompletion.module_id,
            ),
        )
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .join(Organisation, Organisation.id == Cohort.organisation_id)
        .where(
            holder,
            Organisation.archived_at.is_(None),
            latest_unrenewed(now),
            Certificate.valid_until <= _expiry_window(groups, Cohort.organisation_id, now),
        )
        .group_by(Certificate.id, ModuleCompletion.user_id, ModuleCompletion.module_id, User.email, User.locale)
        .subquery("through_cohorts")
    )
    count = _insert(_expiry_rows(through_cohorts, now))
    through_module = (
        select(
            Certificate.id.label("certificate_id"),
            ModuleCompletion.user_id.label("user_id"),
            ModuleCompletion.module_id.label("module_id"),
            User.email.label("email"),
            _language().label("language"),
            Module.organisation_id.label("organisation_id"),
        )
        .select_from(Certificate)
        .join(ModuleCompletion, ModuleCompletion.id == Certificate.completion_id)
        .join(User, User.id == ModuleCompletion.user_id)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .join(Organisation, Organisation.id == Module.organisation_id)
        .where(
            holder,
            Organisation.archived_at.is_(None),
            exists().where(Membership.user_id == User.id, Membership.organisation_id == Module.organisation_id),
            latest_unrenewed(now),
            Certificate.valid_until <= _expiry_window(groups, Module.organisation_id, now),
        )
        .subquery("through_module")
    )
    return count + _insert(_expiry_rows(through_module, now))


def queue_digests(now: datetime, today: date) -> int:
    """One digest per cohort per manager who opted in, per ISO week (any run in the week queues it)."""
    week = iso_week(today)
    starts, ends = digest_period(today)
    managers = (
        select(Cohort.id.label("cohort_id"), Cohort.organisation_id, User.id.label("user_id"), User.email, User.locale)
        .join(Organisation, Organisation.id == Cohort.organisation_id)
        .join(Membership, Membership.organisation_id == Cohort.organisation_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.role.in_(DIGEST_ROLES),
            User.is_enabled.is_(True),
            User.notify_digest.is_(True),
            Organisation.archived_at.is_(None),
            or_(Cohort.ends_on.is_(None), Cohort.ends_on >= literal(starts, Date)),
        )
        .distinct()
        .subquery("managers")
    )
    default = literal(str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "en"), String)
    rows = select(
        *_row(
            "manager_digest",
            now,
            recipient=managers.c.email,
            user_id=managers.c.user_id,
            organisation_id=managers.c.organisation_id,
            language=func.coalesce(managers.c.locale, default),
            context=_json_object(
                [
                    ("cohort_id", managers.c.cohort_id),
                    ("week", literal(week, String)),
                    ("starts_on", literal(starts.isoformat(), String)),
                    ("ends_on", literal(ends.isoformat(), String)),
                ]
            ),
            dedupe_key=_key("digest", managers.c.cohort_id, managers.c.user_id, literal(week, String)),
        )
    ).where(true())
    return _insert(rows)


def queue_due(now: datetime | None = None) -> dict[str, int]:
    """Queue every reminder, expiry notice and digest due at ``now`` (default: now) that is not queued
    already; commits, and returns how many of each kind were queued."""
    now = now or utcnow()
    today = local_date(now)
    # One transaction that writes: on SQLite it takes the write lock at its start (BEGIN IMMEDIATE), so a
    # second consumer waits for it instead of failing to upgrade a read transaction.
    with writing():
        found = settings()
        counts = {
            "due_reminder": queue_due_reminders(now, today, found.days_before),
            "overdue_reminder": queue_overdue_reminders(now, today),
            "expiry_reminder": queue_expiry_reminders(now, found.expiry_days),
            "manager_digest": queue_digests(now, today),
        }
        db.session.commit()
    return counts


__all__ = [
    "KINDS",
    "days_before",
    "digest_period",
    "due_work",
    "iso_week",
    "latest_unrenewed",
    "local_date",
    "local_midnight",
    "outstanding_work",
    "queue_due",
    "still_due",
    "valid_completion",
]


# --- an organisation's settings ------------------------------------------------------------------------


def change_settings(
    actor: User, organisation: Organisation, *, days: list[int], overdue: bool, expiry_days: int
) -> bool:
    """Save an organisation's reminder settings and audit the change (the caller commits); False when
    nothing changed (no audit event)."""
    from .. import audit

    before = {
        "days_before": sorted(days_before(organisation.reminder_days_before), reverse=True),
        "overdue_reminders": bool(organisation.overdue_reminders),
        "expiry_notice_days": organisation.expiry_notice_days,
    }
    after = {
        "days_before": sorted(days, reverse=True),
        "overdue_reminders": overdue,
        "expiry_notice_days": expiry_days,
    }
    if before == after:
        return False
    organisation.reminder_days_before = sorted(days, reverse=True)
    organisation.overdue_reminders = overdue
    organisation.expiry_notice_days = expiry_days
    # the new values only (the audit page shows each as a plain line; the one before holds the previous)
    audit.record(actor, organisation, "organisation.reminders_changed", organisation, **after)
    return True
