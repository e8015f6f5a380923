"""Published course content: modules, their immutable versions, lessons, questions and images.

A version is written once, when a module is published, and never changed; learners' progress is keyed
by the module and the stable lesson slug or question key, so it survives new versions.
"""

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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class Module(db.Model):
    __table_args__ = (
        CheckConstraint("origin IN ('files', 'browser')", name="origin"),
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)  # stable; used in URLs
    # The organisation whose people it is offered to; None offers it to everyone (files in courses/).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(10), default="files")  # files: read-only in the browser
    status: Mapped[str] = mapped_column(String(10), default="draft")
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_version.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[ModuleVersion]] = relationship(
        back_populates="module",
        foreign_keys="ModuleVersion.module_id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ModuleVersion.number",
    )
    current_version: Mapped[ModuleVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)


class ModuleVersion(db.Model):
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 ... per module
    edition: Mapped[int] = mapped_column(Integer)  # raised by authors for substantive changes
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(10))  # the primary language
    languages: Mapped[list[str]] = mapped_column(JSON)
    # Per language: title, summary, audience, outcomes, further_reading.
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    level: Mapped[str] = mapped_column(String(20))
    minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)  # per cent
    max_attempts: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    # How long a certificate of this version stays valid, as an ISO 8601 period ("P12M", "P2Y", "P90D");
    # None: it never expires. From module.yaml's valid_for ("12 months").
    valid_for: Mapped[str | None] = mapped_column(String(20))
    shuffle: Mapped[bool] = mapped_column(Boolean, default=True)
    # The assessment's and pre-check's own title and introduction per language, from quiz.md and
    # precheck.md: {"assessment": {"en": {"title": ..., "intro_html": ...}}, "precheck": {...}}.
    quiz_texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=sql_text("'{}'"))
    lesson_count: Mapped[int] = mapped_column(Integer, default=0)
    question_count: Mapped[int] = mapped_column(Integer, default=0)  # assessment questions
    source: Mapped[dict[str, str]] = mapped_column(JSON)  # the text files it was published from
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    module: Mapped[Module] = relationship(back_populates="versions", foreign_keys=[module_id])
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="version", cascade="all, delete-orphan", passive_deletes=True, order_by="Lesson.position"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="version", cascade="all, delete-orphan", passive_deletes=True, order_by="Question.position"
    )

    def quiz_text(self, purpose: str, field: str, language: str) -> str:
        """The quiz's own title or introduction in ``language`` (or the primary language); "" if none."""
        texts = (self.quiz_texts or {}).get(purpose, {})
        return (texts.get(language) or {}).get(field) or (texts.get(self.language) or {}).get(field) or ""

    def text(self, field: str, language: str) -> Any:
        """A metadata field in ``language``, falling back to the primary language."""
        return self.texts.get(language, {}).get(field) or self.texts[self.language].get(field)


class Lesson(db.Model):
    """One language variant of a lesson in a version; the stored HTML is already sanitised."""

    __table_args__ = (UniqueConstraint("version_id", "slug", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer)
    html: Mapped[str] = mapped_column(Text)
    toc_html: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[ModuleVersion] = relationship(back_populates="lessons")


class Question(db.Model):
    """One language variant of a question: assessment, pre-check, or a knowledge check in a lesson.

    ``options`` holds only what the browser may see before submitting; ``answer`` and ``feedback`` are
    used on the server after submission.
    """

    __table_args__ = (
        UniqueConstraint("version_id", "key", "language"),
        CheckConstraint("purpose IN ('assessment', 'precheck', 'check')", name="purpose"),
        Index("ix_question_version_purpose", "version_id", "purpose", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))  # stable across versions, so statistics survive edits
    language: Mapped[str] = mapped_column(String(10))
    purpose: Mapped[str] = mapped_column(String(12))
    lesson_slug: Mapped[str | None] = mapped_column(String(80))  # a check's lesson; a quiz question's (lesson:)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    prompt_html: Mapped[str] = mapped_column(Text)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{key, html}]
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)  # correct keys / accept / pattern / number
    feedback: Mapped[dict[str, Any]] = mapped_column(JSON)  # per option, if right/wrong, explanation
    ask_confidence: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=True)

    version: Mapped[ModuleVersion] = relationship(back_populates="questions")


class ModuleImage(db.Model):
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class GlossaryTerm(db.Model):
    """One language of a shared glossary entry, published by ``flask courses sync``."""

    __table_args__ = (UniqueConstraint("term_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[str] = mapped_column(String(80))  # the id lessons link to: glossary:ID
    language: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)  # order in glossary.yaml
    term: Mapped[str] = mapped_column(String(200))
    definition_html: Mapped[str] = mapped_column(Text)  # sanitised
