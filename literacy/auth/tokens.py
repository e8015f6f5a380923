"""Single-use, expiring links emailed to an account: password resets and email verifications.

Only a token's SHA-256 is stored. Spending a token is one conditional UPDATE (``... WHERE used_at IS
NULL``), so of two people following the same link at the same moment exactly one succeeds, on SQLite and
PostgreSQL alike. Issuing a new token of a purpose retires the account's earlier open ones, so only the
newest link works. Callers commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import AccountToken, User, utcnow

PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password
VERIFY_EMAIL = "verify_email"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(user: User, purpose: str, email: str, valid_for: timedelta, now: datetime | None = None) -> str:
    """A new link's raw token for ``user`` (sent to ``email``); earlier open links of the purpose stop working."""
    now = now or utcnow()
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            email=email,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    return token


def row_id(token: str) -> int:
    """The id of the row just issued for ``token`` (an email names the row, never the token)."""
    found = db.session.scalar(select(AccountToken.id).where(AccountToken.token_hash == token_hash(token)))
    assert found is not None, "issue the token first"
    return found


def find(token: str, purpose: str, now: datetime | None = None) -> AccountToken | None:
    """The open, unexpired token for a link, or None (used, replaced, expired or never issued)."""
    found = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose)
    )
    now = now or utcnow()
    if found is None or found.used_at is not None or found.expires_at <= now:
        return None
    return found


def spend(found: AccountToken, now: datetime | None = None) -> bool:
    """Mark the token used; False when another request spent it first (the caller then changes nothing)."""
    now = now or utcnow()
    spent = db.session.execute(
        update(AccountToken)
        .where(AccountToken.id == found.id, AccountToken.used_at.is_(None), AccountToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return spent == 1
