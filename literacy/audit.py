"""The audit log: one way to record a manager's or admin's change, for every area that changes data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert

from .extensions import db
from .models import AuditEvent, Organisation, User, utcnow


def record(actor: User | None, organisation: Organisation | None, action: str, target: Any, **details: Any) -> None:
    """Add an audit event to the session; ``target`` is a model instance (its table and id are kept).

    Flushes first so a target created in the same transaction already has its id.
    """
    db.session.flush()
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor is not None else None,
            organisation_id=organisation.id if organisation is not None else None,
            action=action,
            target_type=type(target).__tablename__,
            target_id=str(target.id),
            details=details,
        )
    )


def record_many(
    actor: User | None,
    organisation: Organisation | None,
    action: str,
    events: list[tuple[Any, dict[str, Any]]],
    *,
    at: datetime | None = None,
) -> None:
    """``record`` for many targets at once, ``(target, details)`` each: one event per target, as an auditor
    reading one invitation's history expects, written in one bulk INSERT. The targets must have ids (flushed)."""
    if not events:
        return
    at = at or utcnow()
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "actor_id": actor.id if actor is not None else None,
                "organisation_id": organisation.id if organisation is not None else None,
                "action": action,
                "target_type": type(target).__tablename__,
                "target_id": str(target.id),
                "details": details,
                "at": at,
            }
            for target, details in events
        ],
    )
