"""The outbox's back: claiming rows for one consumer, writing and sending them, recording each outcome,
retrying with back-off, and recovering rows a dead consumer left behind (see outbox.py's docstring)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import OutboxMessage, User, utcnow
from . import claims, kinds

log = logging.getLogger("literacy.notifications")

#: a row still "sending" after this long belongs to a consumer that died; it is queued again
STALE_AFTER = timedelta(minutes=15)
#: how many rows one consumer takes at a time
BATCH = 200
#: outcomes are saved together every this many messages (see send_claimed)
SAVE_EVERY = 25



def claim(ids: Iterable[int] | None = None, *, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Take queued rows that are due (``ids``, or any) for this consumer (``claims.claim``). Commits."""
    return claims.claim(OutboxMessage, ids, now=now, limit=limit)


def send_claimed(ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Write and send claimed rows over one SMTP connection, recording the outcomes; returns counts.

    Outcomes are saved every ``SAVE_EVERY`` messages, in one short transaction (the rows are read per
    chunk, changed in memory, then written and committed together): a commit per message was most of
    the cost of a large batch, and on SQLite a transaction kept open while talking to the mail server
    would hold the write lock. The price: a consumer killed mid-chunk may send up to that many again
    once the rows are recovered (see the module docstring of outbox).
    """
    counts = {"sent": 0, "not_sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    sender = _Sender(current_app.config, counts)
    try:
        for start in range(0, len(ids), SAVE_EVERY):
            chunk = ids[start : start + SAVE_EVERY]
            messages = list(
                db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(chunk)).order_by(OutboxMessage.id))
            )
            recipients = _recipients(messages)
            with db.session.no_autoflush:  # writers query; the outcomes wait in memory until the save
                for message in messages:
                    sender.send(message, recipients.get(message.user_id), now or utcnow())
            db.session.commit()
    finally:
        db.session.commit()
        sender.close()
    return counts


class _Sender:
    """One SMTP connection for a batch, opened when the first message needs it."""

    def __init__(self, config: Any, counts: dict[str, int]) -> None:
        self.config = config
        self.counts = counts
        self.smtp: smtplib.SMTP | None = None
        self.unreachable: str | None = None

    def send(self, message: OutboxMessage, user: User | None, now: datetime) -> None:
        from . import compose

        counts = self.counts
        try:
            built = compose.build(message, user)
        except kinds.Skip as skip:
            _finish(message, "skipped", now, error=str(skip))
            counts["skipped"] += 1
            return
        except Exception as error:  # a writer's bug must not stop the others; retried, then failed
            log.exception("Could not write message %s (%s)", message.id, message.kind)
            counts[_retry_or_fail(message, now, f"could not be written: {error}")] += 1
            return
        if not self.config.get("MAIL_HOST"):
            log.warning("No LITERACY_MAIL_HOST set: message %s was not sent.\n%s", message.id, built)
            _finish(message, "not_sent", now, error="no mail server is configured")
            counts["not_sent"] += 1
            return
        if self.unreachable is not None:
            counts[_retry_or_fail(message, now, self.unreachable)] += 1
            return
        try:
            if self.smtp is None:
                self.smtp = _connect(self.config)
            self.smtp.send_message(built)
        except (OSError, smtplib.SMTPException) as error:
            text = _describe(error)
            log.warning("Could not send message %s to %s: %s", message.id, message.recipient, text)
            counts[_retry_or_fail(message, now, text)] += 1
            if self.smtp is None:
                self.unreachable = text  # the server cannot be reached: the rest wait for the retry
            elif not isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                self.smtp.close()
                self.smtp = None
        else:
            _finish(message, "sent", now)
            counts["sent"] += 1

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()


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
    message.status = "queued"
    message.next_attempt_at = claims.next_attempt(now, message.attempts, int(config.get("MAIL_RETRY_SECONDS") or 60))
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
    return claims.recover(OutboxMessage, now=now, stale_after=STALE_AFTER)


def send_due(*, now: datetime | None = None, ids: Iterable[int] | None = None) -> dict[str, int]:
    """Claim and send what is due (``ids`` only, when given) until nothing is left; returns the counts."""
    totals = {"sent": 0, "not_sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    return claims.drain(
        lambda batch: claim(batch, now=now), lambda claimed: send_claimed(claimed, now=now), ids, BATCH, totals
    )
