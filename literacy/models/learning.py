"""What learners do: lesson progress, quiz attempts and responses, completions and certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class LessonProgress(db.Model):
    """One row per person and lesson, kept across versions (keyed by the lesson's stable slug)."""

    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "lesson_slug"),
        Index("ix_lesson_progress_module_user", "module_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    lesson_slug: Mapped[str] = mapped_column(String(80))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("module_version.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class QuizAttempt(db.Model):
    __table_args__ = (
        CheckConstraint("purpose IN ('assessment', 'precheck')", name="purpose"),
        Index("ix_quiz_attempt_user_module", "user_id", "module_id", "purpose"),
        Index("ix_quiz_attempt_module_submitted", "module_id", "submitted_at"),
        # One open (unsubmitted) attempt per learner, module and purpose, whatever the edition: the database's
        # last word when several "Start" presses race (issue 13). Starting a new edition's attempt drops an
        # unfinished one of an older edition first (quiz.start_attempt).
        Index(
            "ux_quiz_attempt_open",
            "user_id",
            "module_id",
            "purpose",
            unique=True,
            sqlite_where=text("submitted_at IS NULL"),
            postgresql_where=text("submitted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(12), default="assessment")
    language: Mapped[str] = mapped_column(String(10))
    # Question key -> option keys in the order shown, fixed for the attempt so a resumed attempt matches.
    option_order: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[int | None] = mapped_column(Integer)  # marks gained
    max_score: Mapped[int | None] = mapped_column(Integer)
    percent: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    responses: Mapped[list[Response]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", passive_deletes=True
    )


class Response(db.Model):
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_key"),
        CheckConstraint("confidence IS NULL OR confidence IN (1, 2, 3)", name="confidence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(80))
    answer: Mapped[Any] = mapped_column(JSON)  # option key, list of keys, or the text typed
    is_correct: Mapped[bool | None] = mapped_column(Boolean)  # set when the attempt is graded
    confidence: Mapped[int | None] = mapped_column(Integer)  # 1 not sure, 2 fairly sure, 3 certain
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="responses")


class ModuleCompletion(db.Model):
    """A completed module: kept for ever; an older edition than the live one means "refresh due"."""

    __table_args__ = (
        # renewal: 0 for the first completion of an edition, 1, 2 ... for each renewal of that edition
        # after its certificate expired; every completion keeps its own certificate (history keeps both).
        UniqueConstraint("user_id", "module_id", "edition", "renewal"),
        Index("ix_module_completion_module_completed", "module_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="CASCADE"))
    edition: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(10))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    percent: Mapped[int | None] = mapped_column(Integer)  # assessment score, None without an assessment
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="SET NULL"))
    renewal: Mapped[int] = mapped_column(Integer, default=0)


class Certificate(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # unguessable; in /certificates/<code>
    completion_id: Mapped[int] = mapped_column(ForeignKey("module_completion.id", ondelete="CASCADE"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # None: valid for ever (the module has no valid_for). Expiry is compared at read time, never written.
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoked_reason: Mapped[str | None] = mapped_column(Text)  # shown on the verification page

    completion: Mapped[ModuleCompletion] = relationship()
