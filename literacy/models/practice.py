"""Practice tools: draft ATRS records and team self-assessments for an organisation's own AI systems."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AtrsRecord(db.Model):
    """A draft ATRS record, kept in the template version it was started with (its field map)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # the tool's name (field 1.1), for lists and titles
    template_version: Mapped[str] = mapped_column(String(10))  # the field map's version, e.g. "4.0"
    # JSON object: field key -> the text written for it (absent or "" when not answered yet)
    answers: Mapped[str] = mapped_column(Text, default="{}")
    # readable by every member of the organisation; otherwise by its trainers, managers and admins only
    is_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # the GOV.UK path of the published record whose metadata it started from, if any
    started_from: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class SelfAssessment(db.Model):
    """A team's self-assessment of one AI system, kept in the questionnaire version it was started with."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    system_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    questionnaire_version: Mapped[str] = mapped_column(String(20))  # e.g. "1" for courses/self-assessment/v1.yaml
    # readable by every member of the organisation; otherwise by its team and the organisation's editors
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    # the ATRS draft of the same system, in the same organisation (checked by the service)
    atrs_record_id: Mapped[int | None] = mapped_column(ForeignKey("atrs_record.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class SelfAssessmentMember(db.Model):
    """A member of an assessment's team: reads it and answers its questions."""

    __table_args__ = (UniqueConstraint("assessment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SelfAssessmentAnswer(db.Model):
    """The current answer to one question. ``revision`` counts its saves: a save names the revision it was
    based on and changes the row only if it is still that one, so a concurrent save is never overwritten."""

    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessment.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(60))
    # text as written; a single choice's id; a multiple choice's ids, one a line ("" once cleared)
    value: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SelfAssessmentChange(db.Model):
    """Every saved change of an answer: who, when, the value before and after, and the revision it made."""

    __table_args__ = (Index("ix_self_assessment_change_assessment_changed", "assessment_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("self_assessment.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
