"""Password reset: the link emailed to an account, and what following it does.

The "Forgot your password?" page and an administrator's "Send a password reset link" both go through
``send_reset``; neither ever shows the link to the person who asked. The link is a ``tokens`` link
(single use, stored hashed, only the newest works) valid for ``PASSWORD_RESET_MINUTES``. Following it
sets the password, proves the person reads the address (so the email counts as verified) and ends every
session of the account, so whoever knew the old password is out.

Functions add to the database session, the email included (an outbox row); the view commits once and
the message is sent after the commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from .. import audit
from ..extensions import db
from ..models import AccountToken, Organisation, OutboxMessage, User, user_by_email, utcnow
from ..notifications import account_messages, outbox
from . import sessions, tokens

#: the page a reset link opens (``auth.reset_views``)
RESET_ENDPOINT = "auth.reset_password"
FORGOT_ENDPOINT = "auth.forgot_password"


def valid_minutes() -> int:
    """How long a reset link works (``LITERACY_PASSWORD_RESET_MINUTES``)."""
    return int(current_app.config.get("PASSWORD_RESET_MINUTES") or 60)


def may_reset(user: User) -> bool:
    """Only an enabled account that has a password: a disabled one stays shut, and an account still
    waiting for its invitation gets its password by accepting it."""
    return user.is_enabled and bool(user.password_hash)


def request_reset(email: str) -> OutboxMessage | None:
    """What the forgot-password page sends: a link for an account that may reset, nothing otherwise.

    The page says the same either way, so nobody learns which addresses have accounts.
    """
    user = db.session.scalar(user_by_email(email))
    if user is None or not may_reset(user):
        return None
    return send_reset(user)


def send_reset(
    user: User, actor: User | None = None, *, organisation: Organisation | None = None, now: datetime | None = None
) -> OutboxMessage:
    """A new reset link for ``user`` (earlier ones stop working), audited, its email queued in the outbox
    (written in the person's language when it is sent: ``notifications.account_messages``).

    ``actor`` is the administrator who sent it (None when the person asked for it themselves).
    """
    token = tokens.issue(user, tokens.PASSWORD_RESET, user.email, timedelta(minutes=valid_minutes()), now)
    action = "account.password_reset_requested" if actor is None else "account.password_reset_sent"
    audit.record(actor, organisation, action, user, email=user.email)
    return outbox.queue(
        account_messages.PASSWORD_RESET,
        user.email,
        user=user,
        organisation_id=organisation.id if organisation else None,
        context={"token_id": tokens.row_id(token), "by_administrator": actor is not None},
        secret=token,
    )


def find(token: str, now: datetime | None = None) -> AccountToken | None:
    """The open reset link for ``token``, or None: unknown, used, replaced, expired, or for an account
    that has since been disabled or changed its address (the link went to the old one)."""
    found = tokens.find(token, tokens.PASSWORD_RESET, now)
    if found is None:
        return None
    user = db.session.get(User, found.user_id)
    if user is None or not user.is_enabled or user.email != found.email:
        return None
    return found


def account_of(found: AccountToken) -> User:
    user = db.session.get(User, found.user_id)
    assert user is not None  # the token's foreign key cascades
    return user


def complete(found: AccountToken, password: str, now: datetime | None = None) -> User | None:
    """Spend the link and set the new password; None when another request spent it first (nothing changed).

    The link was emailed, so the address is verified; every session of the account ends (the caller
    then starts a fresh one for this browser).
    """
    now = now or utcnow()
    if not tokens.spend(found, now):
        return None
    user = account_of(found)
    user.set_password(password)
    if user.email_verified_at is None:
        user.email_verified_at = now
    ended = sessions.end_all(user, sessions.PASSWORD_RESET, now=now)
    audit.record(user, None, "account.password_reset", user, sessions_ended=ended)
    return user
