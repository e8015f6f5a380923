"""The outbox: every message is a row before it is sent, and its status is what pages show. This module
is its front (queueing, handing committed rows to the task queue); ``delivery`` is its back.

``queue`` adds a row in the caller's transaction (nothing goes out for a change that is rolled back);
after the commit, ``dispatch`` asks the task queue to send it (views get that from an ``after_request``
hook). A consumer (``delivery.claim``) takes rows with one conditional UPDATE, so two consumers never take the same
row; it writes each message in its recipient's language, sends it, and records the outcome: sent (an
SMTP server accepted it), not_sent (no mail server configured), skipped (no longer needed), or, on a
failure, queued again with back-off until ``MAIL_MAX_ATTEMPTS``, then failed. A consumer that died
while sending leaves rows "sending": ``delivery.recover`` puts them back after ``STALE_AFTER`` (the one case in
which a message may go twice: it may have been accepted just before the consumer died, and outcomes are
saved every ``delivery.SAVE_EVERY`` messages, so up to that many may go twice).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_request_context, url_for

from ..extensions import db
from ..models import OutboxMessage, User, utcnow
from . import kinds
from .sealing import seal, unseal

__all__ = ["dispatch", "queue", "seal", "unseal"]

log = logging.getLogger("literacy.notifications")

PENDING_KEY = "literacy.outbox_pending"
COMMITTED_KEY = "literacy.outbox_committed"


# --- queueing ----------------------------------------------------------------------------------------


def queue(
    kind: str,
    recipient: str,
    *,
    user: User | None = None,
    user_id: int | None = None,
    organisation_id: int | None = None,
    language: str | None = None,
    context: dict[str, Any] | None = None,
    secret: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Add a message to the session (the caller commits); ``dispatch`` after the commit sends it.

    The language is the recipient's chosen one, else the current request's, else the site default.
    """
    known = kinds.get(kind)
    if user is not None:
        user_id = user.id
        language = language or user.locale
    context = dict(context or {})
    if has_request_context():  # links point where the person who caused the message was
        context.setdefault("base_url", url_for("site.home", _external=True))
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        user_id=user_id,
        organisation_id=organisation_id,
        language=language or _current_language(),
        context=context,
        secret=seal(secret) if secret is not None else None,
        dedupe_key=dedupe_key,
        is_optional=known.is_optional,
        status="queued",
        attempts=0,
        subject="",
        created_at=utcnow(),
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.info.setdefault(PENDING_KEY, []).append(message)
    return message


def _current_language() -> str:
    """The language of the request's interface ("en", "cy", not the date-format locale "en_GB")."""
    if has_request_context():
        from ..i18n import current_language

        return current_language()
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "en")


def dispatch() -> list[int]:
    """After a commit: hand the messages queued in committed transactions of this session to the task
    queue (one task for them all). Returns the ids handed over."""
    ids = db.session.info.pop(COMMITTED_KEY, [])
    if ids:
        from . import jobs

        try:
            jobs.send_messages(ids)
        except Exception:  # the queue is down (Redis restarting): the rows are saved, the sweep sends them
            if current_app.testing and jobs.huey.immediate:
                raise
            log.exception("Could not reach the task queue: %s message(s) wait for the next sweep", len(ids))
    return ids


def _committed(session, *_args) -> None:  # type: ignore[no-untyped-def]
    """On commit: the rows queued in it exist now (ids read from the identity map, without a query)."""
    from sqlalchemy import inspect

    pending = session.info.pop(PENDING_KEY, [])
    ids = [identity[0] for identity in (inspect(message).identity for message in pending) if identity]
    if ids:
        session.info.setdefault(COMMITTED_KEY, []).extend(ids)


def forget_pending(session, *_args) -> None:  # type: ignore[no-untyped-def]
    """On rollback: the rows queued in it never existed."""
    session.info.pop(PENDING_KEY, None)
