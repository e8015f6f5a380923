"""Rows waiting in a table for a consumer to send them: the mail outbox (``OutboxMessage``) and the xAPI
statements (``XapiStatement``). Both tables have ``id``, ``status`` ("queued", "sending", then an outcome),
``next_attempt_at``, ``attempts``, ``claimed_by`` and ``claimed_at``; this is how a consumer takes rows, how
the rows of a consumer that died are put back, and how long a row waits before its next attempt. What
sending means, and the outcomes, belong to each table's sender (``delivery``, ``xapi.sending``).
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update

from ..extensions import db
from ..models import utcnow


def claim(model: Any, ids: Iterable[int] | None, *, now: datetime | None, limit: int) -> list[int]:
    """Take due queued rows of ``model`` (``ids``, or any, oldest due first) for this consumer: one
    conditional UPDATE, so of two consumers asking for the same row exactly one gets it. Commits."""
    now = now or utcnow()
    token = f"{socket.gethostname()}:{uuid.uuid4().hex}"[:80]
    due = and_(model.status == "queued", model.next_attempt_at <= now)
    if ids is not None:
        candidates = list(ids)[:limit]
    else:
        candidates = list(
            db.session.scalars(select(model.id).where(due).order_by(model.next_attempt_at, model.id).limit(limit))
        )
    if not candidates:
        db.session.commit()
        return []
    db.session.execute(
        update(model)
        .where(model.id.in_(candidates), due)
        .values(status="sending", claimed_by=token, claimed_at=now, attempts=model.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            select(model.id).where(model.claimed_by == token, model.status == "sending").order_by(model.id)
        )
    )


def recover(model: Any, *, now: datetime | None, stale_after: timedelta) -> int:
    """Queue again rows left "sending" longer than ``stale_after`` (their consumer died); how many. Commits."""
    now = now or utcnow()
    result = db.session.execute(
        update(model)
        .where(model.status == "sending", model.claimed_at < now - stale_after)
        .values(status="queued", claimed_by=None, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount or 0


def drain(
    claim_some: Callable[[list[int] | None], list[int]],
    send: Callable[[list[int]], dict[str, int]],
    ids: Iterable[int] | None,
    batch: int,
    totals: dict[str, int],
) -> dict[str, int]:
    """Claim and send until nothing is due (or, given ``ids``, until each of them was asked for once),
    ``batch`` rows at a time, adding each batch's outcomes to ``totals``."""
    remaining = list(ids) if ids is not None else None
    while True:
        asked = remaining[:batch] if remaining is not None else None
        claimed = claim_some(asked)
        if remaining is not None:
            remaining = remaining[batch:]
        if claimed:
            for key, value in send(claimed).items():
                totals[key] += value
        if remaining is not None:
            if not remaining:
                return totals
        elif not claimed:
            return totals


def next_attempt(now: datetime, attempts: int, base_seconds: int) -> datetime:
    """When a row that has had ``attempts`` tries is tried again: ``base_seconds``, doubling each time."""
    return now + timedelta(seconds=base_seconds * 2 ** (max(attempts, 1) - 1))
