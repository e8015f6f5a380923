"""The outbox: every message the service sends is a row first, so pages can tell the truth about it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

#: queued: waiting (or waiting to be retried at next_attempt_at); sending: claimed by one consumer;
#: sent: an SMTP server accepted it; failed: gave up after the last retry; not_sent: no mail server is
#: configured (the message went to the log only); skipped: no longer needed when its turn came (the
#: learner finished, opted out, or the invitation was cancelled), with the reason in last_error.
MESSAGE_STATUSES = ("queued", "sending", "sent", "failed", "not_sent", "skipped")


class OutboxMessage(db.Model):
    """One message to one person. Written from ``kind`` and ``context`` when it is sent (in the
    recipient's language), so queueing thousands of reminders is one INSERT ... SELECT."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'not_sent', 'skipped')", name="status"),
        Index("ix_outbox_message_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_message_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # a key of notifications.kinds.KINDS
    recipient: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    # The ids and values the message is written from (e.g. {"assignment_id": 3, "due_on": "2027-01-15"}).
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A link's token, encrypted with the secret key, for messages that carry one (invitation, password
    # reset, verification); erased once the message is finished, so the table never holds live links.
    secret: Mapped[str | None] = mapped_column(Text)
    # One message per event ("due:<assignment>:<user>:<due date>:7"): a unique key, so a second consumer,
    # a restart or a second run of the reminders cannot queue it twice. None for one-off messages.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    is_optional: Mapped[bool] = mapped_column(Boolean, default=False)  # the person may opt out of its kind
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(300), default="")  # filled in when the message is written
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))  # which consumer holds it while "sending"
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # sent, failed, not_sent or skipped
