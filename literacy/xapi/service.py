"""The organisation's LRS settings and its list of statements, for the admins' pages (the caller commits)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Select, select

from .. import audit
from ..extensions import db
from ..models import STATEMENT_KINDS, LrsConnection, Organisation, User, XapiStatement, utcnow

PER_PAGE = 50
#: the statuses the list can be filtered by ("" is all of them)
FILTERS = ("", "failed", "sent", "queued")


def connection_of(organisation: Organisation) -> LrsConnection | None:
    return db.session.scalar(select(LrsConnection).where(LrsConnection.organisation_id == organisation.id))


def save(
    actor: User,
    organisation: Organisation,
    *,
    endpoint: str,
    username_env: str,
    password_env: str,
    kinds: list[str],
    who: str,
    is_enabled: bool,
) -> bool:
    """Create or change the organisation's LRS settings and audit the change; False when nothing changed."""
    connection = connection_of(organisation)
    values: dict[str, Any] = {
        "endpoint": endpoint,
        "username_env": username_env,
        "password_env": password_env,
        "kinds": [kind for kind in STATEMENT_KINDS if kind in kinds],
        "actor": who,
        "is_enabled": is_enabled,
    }
    if connection is None:
        connection = LrsConnection(organisation_id=organisation.id, **values)
        db.session.add(connection)
    elif all(getattr(connection, name) == value for name, value in values.items()):
        return False
    else:
        for name, value in values.items():
            setattr(connection, name, value)
        connection.updated_at = utcnow()
    details = {("actor_choice" if name == "actor" else name): value for name, value in values.items()}
    audit.record(actor, organisation, "xapi.settings_changed", connection, **details)
    return True


def variables_set(connection: LrsConnection | None) -> dict[str, bool]:
    """Whether each named environment variable is set on this server (never its value)."""
    if connection is None:
        return {}
    return {name: bool(os.environ.get(name)) for name in (connection.username_env, connection.password_env)}


def statements(organisation: Organisation, status: str = "") -> Select:
    """The organisation's statements, newest first, optionally of one status (the caller paginates)."""
    query = select(XapiStatement).where(XapiStatement.organisation_id == organisation.id)
    if status in FILTERS and status:
        query = query.where(XapiStatement.status == status)
    return query.order_by(XapiStatement.created_at.desc(), XapiStatement.id.desc())


def last_errors(organisation: Organisation, limit: int = 5) -> list[XapiStatement]:
    """The most recent statements that failed or wait for a retry, with the LRS's last words."""
    return list(
        db.session.scalars(
            select(XapiStatement)
            .where(
                XapiStatement.organisation_id == organisation.id,
                XapiStatement.last_error.is_not(None),
                XapiStatement.status.in_(("failed", "queued")),
            )
            .order_by(XapiStatement.id.desc())
            .limit(limit)
        )
    )


def record_resend(actor: User, organisation: Organisation, ids: list[int]) -> None:
    audit.record(actor, organisation, "xapi.resent", organisation, statements=len(ids))
