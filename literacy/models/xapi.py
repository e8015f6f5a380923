"""xAPI: an organisation's Learning Record Store and the statements queued for it (issue 22).

The LRS's credentials are never stored: only the names of the environment variables that hold them, so a
copy of the database gives nobody the organisation's LRS. Statements are rows first (the outbox pattern of
``notifications``): queued in the learner's transaction, sent in the background, their outcome kept for
the organisation's administrators to see.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Organisation
from .types import UTCDateTime, utcnow

#: what a learner does that becomes a statement (the ADL verb of each is in ``literacy.xapi.statements``)
STATEMENT_KINDS = ("experienced", "completed", "answered", "passed", "failed")
#: queued: waiting (or waiting for a retry at next_attempt_at); sending: claimed by one consumer; sent: the LRS
#: stored it (or already held the same statement); failed: refused by the LRS or given up after the last retry
STATEMENT_STATUSES = ("queued", "sending", "sent", "failed")
ACTOR_CHOICES = ("account", "mbox")


class LrsConnection(db.Model):
    """One organisation's LRS: where its learners' statements go, which of them, and how learners are named."""

    __tablename__ = "lrs_connection"
    __table_args__ = (CheckConstraint("actor IN ('account', 'mbox')", name="actor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    # the LRS's base address, e.g. https://lrs.example.gov.uk/xAPI (statements go to <endpoint>/statements)
    endpoint: Mapped[str] = mapped_column(String(500))
    # names of the environment variables holding the basic-auth user and password (LITERACY_XAPI_...)
    username_env: Mapped[str] = mapped_column(String(100))
    password_env: Mapped[str] = mapped_column(String(100))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(STATEMENT_KINDS))  # of STATEMENT_KINDS
    # account: an opaque id under the site's address; mbox: the learner's email address (mailto:)
    actor: Mapped[str] = mapped_column(String(10), default="account")
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class XapiStatement(db.Model):
    """One statement for one organisation's LRS, built when the learner acted (so it says what happened then)."""

    __tablename__ = "xapi_statement"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_xapi_statement_status_next", "status", "next_attempt_at"),
        Index("ix_xapi_statement_organisation_status", "organisation_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    # the statement's own id (a UUID worked out from the event): sending it again never makes a second one
    statement_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(12))  # one of STATEMENT_KINDS
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)  # the xAPI statement as sent
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))  # which consumer holds it while "sending"
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
