"""Password reset: the link emailed to an account, and what following it does.

The "Forgot your password?" page and an administrator's "Send a password reset link" both go through
``send_reset``; neither ever shows the link to the person who asked. The link is a ``tokens`` link
(single use, stored hashed, only the newest works) valid for ``PASSWORD_RESET_MINUTES``. Following it
sets the password, proves the person reads the address (so the email counts as verified) and ends every
session of the account, so whoever knew the old password is out.

Functions add to the database session and return letters; the view commits once, then delivers them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..mail import Letter
from ..models import AccountToken, Organisation, User, user_by_email, utcnow
from . import sessions, tokens
from .words import duration, written_for

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


def request_reset(email: str) -> list[Letter]:
    """What the forgot-password page sends: a link for an account that may reset, nothing otherwise.

    The page says the same either way, so nobody learns which addresses have accounts.
    """
    user = db.session.scalar(user_by_email(email))
    if user is None or not may_reset(user):
        return []
    return [send_reset(user)]


def send_reset(
    user: User, actor: User | None = None, *, organisation: Organisation | None = None, now: datetime | None = None
) -> Letter:
    """A new reset link for ``user`` (earlier ones stop working), audited, as a letter to their address.

    ``actor`` is the administrator who sent it (None when the person asked for it themselves).
    """
    token = tokens.issue(user, tokens.PASSWORD_RESET, user.email, timedelta(minutes=valid_minutes()), now)
    action = "account.password_reset_requested" if actor is None else "account.password_reset_sent"
    audit.record(actor, organisation, action, user, email=user.email)
    link = url_for(RESET_ENDPOINT, token=token, _external=True)
    with written_for(user):
        if actor is None:
            opening = _(
                "Someone asked to reset the password of the AI literacy account for %(email)s.", email=user.email
            )
        else:
            opening = _(
                "An administrator asked us to send you a link to reset the password of your AI literacy "
                "account (%(email)s).",
                email=user.email,
            )
        body = _(
            "%(opening)s\n\n"
            "To choose a new password, follow this link:\n%(link)s\n\n"
            "The link works once and expires in %(duration)s. Choosing a new password signs you out "
            "everywhere you are signed in.\n\n"
            "If you did not ask for this, you can ignore this message: your password stays as it is.",
            opening=opening,
            link=link,
            duration=duration(valid_minutes()),
        )
        return Letter(to=user.email, subject=_("Reset your password for AI literacy"), body=body)


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
