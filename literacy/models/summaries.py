"""Derived tables that keep the dashboards fast: rebuilt from the raw rows at any time, never the only copy.

``literacy.summaries`` maintains them as learners and managers write, and ``flask summaries rebuild`` (or
``check``) recomputes them from lesson progress, attempts, answers and completions.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class LearnerModuleSummary(db.Model):
    """One row per person and module they have touched: what a dashboard needs instead of raw progress."""

    # SQLite: WITHOUT ROWID keeps each row inside its primary key, so a dashboard's look-up by (person,
    # module) reads one b-tree. The module index holds everything the organisation's coverage count reads
    # (module, edition, validity and the person: on SQLite as the primary key, on PostgreSQL included).
    __table_args__ = (
        Index(
            "ix_learner_module_summary_module_validity",
            "module_id",
            "completed_edition",
            "valid_until",
            postgresql_include=["user_id"],
        ),
        {"sqlite_with_rowid": False},
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), primary_key=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lessons_completed: Mapped[int] = mapped_column(Integer, default=0)
    completed_edition: Mapped[int | None] = mapped_column(Integer)  # the latest edition completed
    first_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the latest completion stops counting (its certificate's valid_until, or when it was revoked);
    # None: it never expires. Compared with "now" at read time, so expiry needs no write.
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completion_percent: Mapped[int | None] = mapped_column(Integer)  # best score recorded at a completion
    assessment_best: Mapped[int | None] = mapped_column(Integer)  # best submitted assessment score
    assessment_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    precheck_lowest: Mapped[int | None] = mapped_column(Integer)  # lowest submitted pre-check score


class CohortAnswerTally(db.Model):
    """Submitted assessment answers of a cohort's current members, counted per question, answer, confidence
    and correctness, with the sums that facility, discrimination and calibration need.

    ``rest_sum`` and ``rest_squares`` add up each answer's rest score (the attempt's marks without this
    question's), as the trainers' question statistics do. ``answer`` is the stored JSON of the options
    chosen, or empty for typed answers (they are not counted one by one).
    """

    __table_args__ = ({"sqlite_with_rowid": False},)

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), primary_key=True)
    question_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    answer: Mapped[str] = mapped_column(Text, primary_key=True)
    confidence: Mapped[int] = mapped_column(Integer, primary_key=True)  # 0 when not asked
    correct: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    rest_sum: Mapped[int] = mapped_column(Integer, default=0)
    rest_squares: Mapped[int] = mapped_column(Integer, default=0)


class CohortLearnerSummary(db.Model):
    """One row per current member of a cohort with modules assigned: how far they are with those modules,
    so an organisation's cohorts side by side add up rows per member, not per member and module."""

    __table_args__ = ({"sqlite_with_rowid": False},)

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    assigned: Mapped[int] = mapped_column(Integer)  # modules assigned to the cohort
    completed: Mapped[int] = mapped_column(Integer)  # of those, completed (any edition)
    started: Mapped[bool] = mapped_column(Boolean)  # touched any of them
    next_due_on: Mapped[date | None] = mapped_column(Date)  # earliest due date among those not completed
    # Of those completed: the earliest moment one of the completions stops counting (learner rows'
    # valid_until), and the earliest date to renew by once it has (that day, or the assignment's if later,
    # plus the cohort's renewal_days). NULL when none ends. Compared with "now" when read (literacy.renewal).
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    renew_by: Mapped[date | None] = mapped_column(Date)
    percent_sum: Mapped[int] = mapped_column(Integer)  # scores recorded at their completions, added up
    percent_count: Mapped[int] = mapped_column(Integer)
    # Of those completed, how many are of an older edition than the module's live one (published modules
    # only), and the earliest date to renew those by (``literacy.renewal``: the day the newer edition was
    # first published, or the completion's end if earlier, or the assignment's day if later, plus the
    # cohort's renewal_days). Publishing a new edition recomputes the rows of the cohorts that assign it.
    stale: Mapped[int] = mapped_column(Integer, default=0)
    stale_renew_by: Mapped[date | None] = mapped_column(Date)


# ``OrganisationModuleSummary.valid_on`` for completions that never stop counting (a key cannot be NULL)
NEVER = date(9999, 12, 31)


class OrganisationModuleSummary(db.Model):
    """How many of an organisation's people (anyone holding a role in it) have their latest completion of a
    module of each edition, counted by the UTC day it stops counting: the organisation's coverage adds up
    a few rows per module and day instead of one per person.

    The day is enough for every day but the two the page compares with (today's, and the one the expiry
    warning ends on): those few completions are read from the learners' rows (``literacy.organisations.
    dashboard``), so the figures stay exact at any moment without a write when a certificate expires.
    """

    __table_args__ = ({"sqlite_with_rowid": False},)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), primary_key=True)
    completed_edition: Mapped[int] = mapped_column(Integer, primary_key=True)
    valid_on: Mapped[date] = mapped_column(Date, primary_key=True)  # the day valid_until falls on, or NEVER
    people: Mapped[int] = mapped_column(Integer)
