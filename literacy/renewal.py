"""The one rule for where a person stands with an assigned module on a given day, and when renewal is due.

A cohort assignment is, for one member at one moment:

- **not started** / **in progress**: never completed; due on the assignment's due date (if it has one) and
  overdue the day after it;
- **completed**: their latest completion still counts (its certificate has not expired or been revoked)
  and is of the module's live edition;
- **expiring**: completed, but the certificate stops counting within ``EXPIRY_WARNING_DAYS`` (30 days);
- **renewal due**: their latest completion stopped counting (the certificate expired or was revoked), or
  the module's live edition is newer than the edition they completed (the "refresh" of a substantive
  change). Renewal is due ``Cohort.renewal_days`` (30 by default) after the day it became needed: the day
  the certificate stopped counting, or the day the newer edition was first published, whichever came
  first, or the day the module was assigned when that is later (nobody is late for work they were given
  today). It is overdue the day after that date.

"When a completion stops counting" is ``LearnerModuleSummary.valid_until`` (kept by ``literacy.summaries``:
the certificate's ``valid_until``, or its revocation time; None for ever), compared with "now" when read,
so expiry needs nobody to write anything.

The rule exists twice on purpose, each tested against the other: ``classify`` / ``assignment_state`` in
Python for one person (My learning, the cohort dashboard's grid, which has the rows in hand already), and
``expressions`` as SQL, used by ``states`` / ``due_work`` over every current cohort member at once (the
reminders) and by the organisation overview for newer editions (its other figures come from the member
summary rows, which keep each member's earliest end and date to renew by), so nothing is asked per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Integer, String, and_, case, func, literal, null, or_, select, type_coerce

from .models import (
    Cohort,
    CohortAssignment,
    CohortMember,
    LearnerModuleSummary,
    Module,
    ModuleVersion,
    UTCDateTime,
    utc_date,
    utcnow,
)
from .models.types import add_days, earliest_of, latest_of

# A valid completion whose certificate stops counting within this many days is "expiring": My learning
# says "Expires 3 January 2027" and the dashboards count it apart. One number for every page.
EXPIRY_WARNING_DAYS = 30
DEFAULT_RENEWAL_DAYS = 30  # Cohort.renewal_days when a cohort does not say
MIN_RENEWAL_DAYS, MAX_RENEWAL_DAYS = 1, 365  # what the cohort form accepts


class State(StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    EXPIRING = "expiring"
    RENEWAL_DUE = "renewal-due"


class Reason(StrEnum):
    """Why renewal is due."""

    EXPIRED = "expired"  # the certificate expired or was revoked
    EDITION = "edition"  # a newer edition is live


VALID = frozenset({State.COMPLETED, State.EXPIRING})
OPEN = frozenset({State.NOT_STARTED, State.IN_PROGRESS})


@dataclass(frozen=True)
class AssignmentState:
    """Where one person stands with one assignment. ``due_on`` is the date the work is due: the assignment's
    due date for work never completed, the renewal due date when renewal is due, None otherwise."""

    state: State
    due_on: date | None = None
    overdue: bool = False
    reason: Reason | None = None
    valid_until: datetime | None = None

    @property
    def is_valid(self) -> bool:
        return self.state in VALID

    @property
    def kind(self) -> str | None:
        """'assignment' (never completed), 'renewal' (renewal due), None (validly completed)."""
        if self.state in OPEN:
            return "assignment"
        return "renewal" if self.state == State.RENEWAL_DUE else None


def stops_counting(valid_until: datetime | None, revoked_at: datetime | None) -> datetime | None:
    """When a certificate stops counting: its revocation if that came first, else its expiry (None: never)."""
    if revoked_at is not None and (valid_until is None or revoked_at < valid_until):
        return revoked_at
    return valid_until


def renewal_due_on(needed_on: date, assigned_on: date | None, renewal_days: int | None) -> date:
    """The renewal due date: ``renewal_days`` after renewal became needed, or after the assignment if later."""
    start = max(needed_on, assigned_on) if assigned_on is not None else needed_on
    return start + timedelta(days=renewal_days or DEFAULT_RENEWAL_DAYS)


def classify(
    completed_edition: int | None,
    valid_until: datetime | None,
    started: bool,
    live_edition: int,
    edition_on: date | None,
    assigned_on: date | None,
    due_on: date | None,
    renewal_days: int | None,
    now: datetime,
    today: date,
) -> tuple[State, date | None, bool, Reason | None]:
    """The rule itself, as (state, due date, overdue, reason) with plain arguments (the cohort dashboard
    calls it for every member and module, so no object is made).

    ``completed_edition`` and ``valid_until`` are the person's summary (latest edition completed, when the
    latest completion stops counting); ``edition_on`` the day the live edition was first published;
    ``assigned_on`` the day the cohort was given the module; ``due_on`` the assignment's due date.
    """
    if completed_edition is None:
        state = State.IN_PROGRESS if started else State.NOT_STARTED
        return state, due_on, due_on is not None and due_on < today, None
    expired = valid_until is not None and valid_until <= now
    stale = completed_edition < live_edition
    if expired or stale:
        needed = [day for day, why in ((_utc_day(valid_until), expired), (edition_on, stale)) if why and day]
        renew_by = renewal_due_on(min(needed) if needed else today, assigned_on, renewal_days)
        reason = Reason.EXPIRED if expired else Reason.EDITION
        return State.RENEWAL_DUE, renew_by, renew_by < today, reason
    if valid_until is not None and valid_until <= now + timedelta(days=EXPIRY_WARNING_DAYS):
        return State.EXPIRING, None, False, None
    return State.COMPLETED, None, False, None


def assignment_state(
    *,
    completed_edition: int | None,
    valid_until: datetime | None,
    started: bool,
    live_edition: int,
    edition_on: date | None,
    assigned_on: date | None,
    due_on: date | None,
    renewal_days: int | None = DEFAULT_RENEWAL_DAYS,
    now: datetime | None = None,
    today: date | None = None,
) -> AssignmentState:
    """``classify`` for one person and assignment, as an object (``now`` defaults to the current time,
    ``today`` to its UTC date; pages pass the site's today)."""
    now = now or utcnow()
    today = today or now.astimezone(UTC).date()
    state, due, overdue, reason = classify(
        completed_edition, valid_until, started, live_edition, edition_on, assigned_on, due_on, renewal_days, now, today
    )
    return AssignmentState(state, due, overdue, reason, valid_until)


def _utc_day(moment: datetime | None) -> date | None:
    return moment.astimezone(UTC).date() if moment is not None else None


def start_of_day_after(day: date) -> datetime:
    """Midnight UTC at the end of ``day``: what "on that day" means for validity when only a date is given."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


# --- the same rule in SQL ------------------------------------------------------------------------------


def edition_published():
    """The day each edition of each module was first published: (module_id, edition, published_on)."""
    return (
        select(
            ModuleVersion.module_id.label("module_id"),
            ModuleVersion.edition.label("edition"),
            func.min(ModuleVersion.published_at).label("published_at"),
        )
        .group_by(ModuleVersion.module_id, ModuleVersion.edition)
        .subquery("edition_published")
    )


@dataclass(frozen=True)
class Expressions:
    """The rule's SQL expressions, for a select that joins a current member's assignment (CohortAssignment)
    to its Cohort and to the member's summary figures."""

    state: Any
    due_on: Any
    kind: Any
    expired: Any
    stale: Any


def expressions(
    *,
    has_summary: Any,
    completed_edition: Any,
    valid_until: Any,
    live_edition: Any,
    edition_published_at: Any,
    now: datetime,
) -> Expressions:
    """``classify`` as SQL over columns: whether the member has a summary row (LearnerModuleSummary,
    outer-joined), its ``completed_edition`` and ``valid_until``, the live version's edition and the moment
    that edition was first published (``edition_published()``)."""
    at = literal(now, UTCDateTime())
    soon = literal(now + timedelta(days=EXPIRY_WARNING_DAYS), UTCDateTime())
    done = completed_edition.is_not(None)
    expired = and_(valid_until.is_not(None), valid_until <= at)
    stale = completed_edition < live_edition
    expired_on = utc_date(valid_until)
    edition_on = utc_date(edition_published_at)
    needed_on = case(
        (and_(expired, stale), earliest_of(expired_on, edition_on)),
        (expired, expired_on),
        else_=edition_on,
    )
    assigned_on = utc_date(CohortAssignment.assigned_at)
    renew_by = add_days(latest_of(needed_on, assigned_on), func.coalesce(Cohort.renewal_days, DEFAULT_RENEWAL_DAYS))
    renewal = and_(done, or_(expired, stale))
    state = case(
        (~has_summary, literal(State.NOT_STARTED.value)),
        (~done, literal(State.IN_PROGRESS.value)),
        (renewal, literal(State.RENEWAL_DUE.value)),
        (and_(valid_until.is_not(None), valid_until <= soon), literal(State.EXPIRING.value)),
        else_=literal(State.COMPLETED.value),
    )
    due_on = type_coerce(
        case((completed_edition.is_(None), CohortAssignment.due_on), (renewal, renew_by), else_=null()), Date()
    )
    kind = case((completed_edition.is_(None), literal("assignment")), (renewal, literal("renewal")), else_=null())
    return Expressions(type_coerce(state, String()), due_on, type_coerce(kind, String()), expired, stale)


def _summary_rule(summary: Any, first: Any, now: datetime) -> Expressions:
    """``expressions`` over LearnerModuleSummary (or an alias) and the live ModuleVersion."""
    return expressions(
        has_summary=summary.user_id.is_not(None),
        completed_edition=summary.completed_edition,
        valid_until=summary.valid_until,
        live_edition=ModuleVersion.edition,
        edition_published_at=first.c.published_at,
        now=now,
    )


def states(now: datetime | None = None, *, cohorts: Any = None, users: Any = None):
    """Every current cohort member's state in each module assigned to their cohort, set-based:
    (user_id, cohort_id, assignment_id, module_id, state, due_on, kind, valid_until, completed_edition,
    live_edition), one row per member and published assigned module. ``cohorts`` / ``users`` (ids or a
    select of them) narrow it. ``state`` holds ``State`` values; ``due_on`` and ``kind`` as in ``due_work``.
    """
    now = now or utcnow()
    summary = LearnerModuleSummary
    first = edition_published()
    rule = _summary_rule(summary, first, now)
    statement = (
        select(
            CohortMember.user_id.label("user_id"),
            CohortMember.cohort_id.label("cohort_id"),
            CohortAssignment.id.label("assignment_id"),
            CohortAssignment.module_id.label("module_id"),
            rule.state.label("state"),
            rule.due_on.label("due_on"),
            rule.kind.label("kind"),
            summary.valid_until.label("valid_until"),
            summary.completed_edition.label("completed_edition"),
            type_coerce(ModuleVersion.edition, Integer()).label("live_edition"),
        )
        .select_from(CohortMember)
        .join(CohortAssignment, CohortAssignment.cohort_id == CohortMember.cohort_id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .join(Module, and_(Module.id == CohortAssignment.module_id, Module.status == "published"))
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .join(first, and_(first.c.module_id == Module.id, first.c.edition == ModuleVersion.edition))
        .outerjoin(
            summary, and_(summary.user_id == CohortMember.user_id, summary.module_id == CohortAssignment.module_id)
        )
        .where(CohortMember.removed_at.is_(None))
    )
    if cohorts is not None:
        statement = statement.where(CohortMember.cohort_id.in_(_ids(cohorts)))
    if users is not None:
        statement = statement.where(CohortMember.user_id.in_(_ids(users)))
    return statement


def due_work(on: date | None = None, *, now: datetime | None = None, cohorts: Any = None, users: Any = None):
    """Assigned work that is not validly completed, for every current cohort member, as one SELECT of
    (user_id, cohort_id, assignment_id, module_id, due_on, kind):

    - ``kind`` 'assignment': never completed; ``due_on`` the assignment's due date (NULL when it has none);
    - ``kind`` 'renewal': renewal due (the latest completion stopped counting, or a newer edition is live);
      ``due_on`` the renewal due date (see the module docstring).

    Validity is judged at ``now``; given only ``on``, at the end of that day (a certificate that stops
    counting during ``on`` is due for renewal on ``on``); given neither, at the current time. Overdue work
    is ``due_on < on``. Work assigned by several cohorts appears once per cohort (each cohort has its own
    due date and renewal window). Narrow it with ``cohorts`` / ``users`` (ids or a select of them); the
    caller adds ORDER BY, LIMIT or joins (for example to ``User`` for the address) as it needs. One
    statement for any number of people (the reminders use it for tens of thousands at once).
    """
    if now is None:
        now = start_of_day_after(on) if on is not None else utcnow()
    inner = states(now, cohorts=cohorts, users=users).subquery("assignment_state")
    return select(
        inner.c.user_id,
        inner.c.cohort_id,
        inner.c.assignment_id,
        inner.c.module_id,
        inner.c.due_on,
        inner.c.kind,
    ).where(inner.c.kind.is_not(None))


def _ids(ids: Any) -> Any:
    return list(ids) if isinstance(ids, list | tuple | set | frozenset) else ids


__all__ = [
    "DEFAULT_RENEWAL_DAYS",
    "EXPIRY_WARNING_DAYS",
    "AssignmentState",
    "Reason",
    "State",
    "assignment_state",
    "classify",
    "due_work",
    "renewal_due_on",
    "states",
    "stops_counting",
]
