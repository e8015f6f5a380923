"""The outbox's back: claiming rows for one consumer, writing and sending them, recording each outcome,
retrying with back-off, and recovering rows a dead consumer left behind (see outbox.py's docstring)."""

from __future__ import annotations

import logging
import smtplib
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from ..extensions import db
from ..models import OutboxMessage, User, utcnow
from . import kinds

log = logging.getLogger("literacy.notifications")

#: a row still "sending" after this long belongs to a consumer that died; it is queued again
STALE_AFTER = timedelta(minutes=15)
#: how many rows one consumer takes at a time
BATCH = 200
#: statuses after which nothing more happens to a row
FINISHED = ("sent", "failed", "not_sent", "skipped")



def claim(ids: Iterable[int] | None = None, *, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Take queued rows that are due (``ids``, or any) for this consumer: one conditional UPDATE, so
    of two consumers asking for the same row exactly one gets it. Commits."""
    now = now or utcnow()
    token = f"{socket.gethostname()}:{uuid.uuid4().hex}"[:80]
    due = and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
    if ids is not None:
        candidates = list(ids)[:limit]
    else:
        candidates = list(
            db.session.scalars(
                select(OutboxMessage.id)
                .where(due)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
            )
        )
    if not candidates:
        db.session.commit()
        return []
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates), due)
        .values(status="sending", claimed_by=token, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.claimed_by == token, OutboxMessage.status == "sending")
            .order_by(OutboxMessage.id)
        )
    )


def send_claimed(ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Write and send claimed rows over one SMTP connection, recording each outcome; returns counts."""
    from . import compose

    counts = {"sent": 0, "not_sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    if not ids:
        return counts
    config = current_app.config
    messages = list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id))
    )
    recipients = _recipients(messages)
    smtp: smtplib.SMTP | None = None
    unreachable: str | None = None
    try:
        for message in messages:
            now_ = now or utcnow()
            try:
                built = compose.build(message, recipients.get(message.user_id))
            except kinds.Skip as skip:
                _finish(message, "skipped", now_, error=str(skip))
                counts["skipped"] += 1
                continue
            except Exception as error:  # a writer's bug must not stop the others; retried, then failed
                log.exception("Could not write message %s (%s)", message.id, message.kind)
                counts[_retry_or_fail(message, now_, f"could not be written: {error}")] += 1
                continue
            if not config.get("MAIL_HOST"):
                log.warning("No LITERACY_MAIL_HOST set: message %s was not sent.\n%s", message.id, built)
                _finish(message, "not_sent", now_, error="no mail server is configured")
                counts["not_sent"] += 1
                continue
            if unreachable is not None:
                counts[_retry_or_fail(message, now_, unreachable)] += 1
                continue
            try:
                if smtp is None:
                    smtp = _connect(config)
                smtp.send_message(built)
            except (OSError, smtplib.SMTPException) as error:
                text = _describe(error)
                log.warning("Could not send message %s to %s: %s", message.id, message.recipient, text)
                counts[_retry_or_fail(message, now_, text)] += 1
                if smtp is None:
                    unreachable = text  # the server cannot be reached: the rest wait for the retry
                elif not isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                    smtp.close()
                    smtp = None
            else:
                _finish(message, "sent", now_)
                counts["sent"] += 1
            db.session.commit()  # each outcome as it happens: a crash later cannot send it again
    finally:
        db.session.commit()
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return counts


def _recipients(messages: list[OutboxMessage]) -> dict[int | None, User]:
    ids = {message.user_id for message in messages if message.user_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _finish(message: OutboxMessage, status: str, now: datetime, *, error: str | None = None) -> None:
    message.status = status
    message.finished_at = now
    message.claimed_by = None
    message.secret = None  # a live link is not kept once it is sent or given up
    if error is not None:
        message.last_error = error[:2000]


def _retry_or_fail(message: OutboxMessage, now: datetime, error: str) -> str:
    config = current_app.config
    attempts_allowed = int(config.get("MAIL_MAX_ATTEMPTS") or 6)
    message.last_error = error[:2000]
    message.claimed_by = None
    if message.attempts >= attempts_allowed:
        _finish(message, "failed", now)
        return "failed"
    base = int(config.get("MAIL_RETRY_SECONDS") or 60)
    message.status = "queued"
    message.next_attempt_at = now + timedelta(seconds=base * 2 ** (message.attempts - 1))
    return "retry"


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = (
            error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        )
        return f"the mail server answered {error.smtp_code}: {detail}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the mail server refused the address"
    return f"the mail server could not be reached ({type(error).__name__}: {error})"


def _connect(config: dict[str, Any]) -> smtplib.SMTP:
    from ..mail import _connect as connect

    return connect(config)


def recover(now: datetime | None = None) -> int:
    """Queue again rows left "sending" by a consumer that died; returns how many. Commits."""
    now = now or utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - STALE_AFTER)
        .values(status="queued", claimed_by=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def send_due(*, now: datetime | None = None, ids: Iterable[int] | None = None) -> dict[str, int]:
    """Claim and send what is due (``ids`` only, when given) until nothing is left; returns the counts."""
    totals = {"sent": 0, "not_sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    remaining = list(ids) if ids is not None else None
    while True:
        batch = remaining[:BATCH] if remaining is not None else None
        claimed = claim(batch, now=now)
        if remaining is not None:
            remaining = remaining[BATCH:]
        if claimed:
            for key, value in send_claimed(claimed, now=now).items():
                totals[key] += value
        if remaining is not None:
            if not remaining:
                return totals
        elif not claimed:
            return totals


def queued_count() -> int:
    """Messages waiting (for the operator's view and /readyz later)."""

    return (
        db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("queued", "sending")))
        )
        or 0
    )


def waiting_or_due(now: datetime) -> Any:
    """Rows a sweep would take: queued and due, or stale "sending" ones."""
    return or_(
        and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - STALE_AFTER),
    )
