"""Verified email addresses: an address counts as the owner's only once they followed a link sent to it.

A manager can copy an invitation link and accept it themselves, so an account is not proof that its
address belongs to its holder. ``email_verified_at`` is set only by a link that was emailed: an emailed
invitation (``organisations.invitations``), a password reset (``auth.reset``) or a link from here. A
change of address takes effect only when the link sent to the new address is followed; the old address
is told, and an address that already has an account gets a message saying so instead of a link, so the
form reveals nothing about which addresses have accounts.

Functions add to the database session, the emails included (outbox rows); the view commits once and
the messages are sent after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..models import AccountToken, OutboxMessage, User, utcnow
from ..notifications import account_messages, outbox
from . import tokens

#: the page a verification link opens (``auth.verify_views``)
VERIFY_ENDPOINT = "auth.verify_email"

#: what following a verification link did
VERIFIED, CHANGED, TAKEN, INVALID = "verified", "changed", "taken", "invalid"


@dataclass(frozen=True)
class Verification:
    outcome: str  # VERIFIED, CHANGED, TAKEN or INVALID
    user: User | None = None
    email: str = ""  # the address the link was for


def valid_hours() -> int:
    """How long a verification link works (``LITERACY_EMAIL_VERIFICATION_HOURS``)."""
    return int(current_app.config.get("EMAIL_VERIFICATION_HOURS") or 48)


def _token(user: User, email: str, now: datetime | None) -> str:
    return tokens.issue(user, tokens.VERIFY_EMAIL, email, timedelta(hours=valid_hours()), now)


def send_verification(user: User, now: datetime | None = None) -> OutboxMessage:
    """Queue a link that confirms the account's current address (earlier verification links stop working)."""
    token = _token(user, user.email, now)
    return outbox.queue(
        account_messages.EMAIL_VERIFICATION,
        user.email,
        user=user,
        context={"token_id": tokens.row_id(token)},
        secret=token,
    )


def _holder(email: str, user: User) -> User | None:
    """Another account that already has ``email``, if any."""
    return db.session.scalar(select(User).where(User.email == email, User.id != user.id))


def email_change(user: User, new_email: str, now: datetime | None = None) -> list[OutboxMessage]:
    """Ask to move the account to ``new_email``: a link to the new address, a notice to the old one.

    Nothing changes until the link is followed. When the new address already has an account, it gets a
    message saying so instead of a link (in that account's language); the old address is told in both
    cases, so the person asking sees no difference (their list of messages shows the two kinds to a new
    address alike: ``notifications.status``). Asking for the current address again sends a link that
    confirms it.
    """
    new_email = new_email.strip().lower()
    if new_email == user.email:
        return [send_verification(user, now)]
    audit.record(user, None, "account.email_change_requested", user, old_email=user.email, new_email=new_email)
    holder = _holder(new_email, user)
    if holder is not None:
        to_new = outbox.queue(
            account_messages.EMAIL_CHANGE_TAKEN, new_email, user_id=user.id, language=holder.locale  # else the page's
        )
    else:
        token = _token(user, new_email, now)
        to_new = outbox.queue(
            account_messages.EMAIL_CHANGE_CONFIRM,
            new_email,
            user=user,
            context={"token_id": tokens.row_id(token)},
            secret=token,
        )
    notice = outbox.queue(
        account_messages.EMAIL_CHANGE_NOTICE, user.email, user=user, context={"old": user.email, "new": new_email}
    )
    return [to_new, notice]


def pending(token: str, now: datetime | None = None) -> AccountToken | None:
    """The open verification link for ``token``, or None (unknown, used, replaced, expired, or for a
    disabled account)."""
    found = tokens.find(token, tokens.VERIFY_EMAIL, now)
    if found is None:
        return None
    user = db.session.get(User, found.user_id)
    if user is None or not user.is_enabled:
        return None
    return found


def is_change(found: AccountToken) -> bool:
    """Whether the link moves the account to a new address (rather than confirming the current one)."""
    user = db.session.get(User, found.user_id)
    return user is not None and user.email != found.email


def verify(token: str, now: datetime | None = None) -> Verification:
    """Follow a verification link: confirm the current address, or move the account to the new one.

    Only one of several requests with the same link changes anything (``tokens.spend``). A new address
    that another account took meanwhile is refused (TAKEN) and the link stays unspent; the caller
    commits only on VERIFIED or CHANGED.
    """
    now = now or utcnow()
    found = pending(token, now)
    if found is None:
        return Verification(INVALID)
    user = db.session.get(User, found.user_id)
    assert user is not None
    email = found.email
    if email != user.email and _holder(email, user) is not None:
        return Verification(TAKEN, user, email)
    if not tokens.spend(found, now):
        return Verification(INVALID)
    if email == user.email:
        user.email_verified_at = user.email_verified_at or now
        audit.record(user, None, "account.email_verified", user, email=email)
        return Verification(VERIFIED, user, email)
    old = user.email
    try:
        with db.session.begin_nested():  # another account may take the address at the same moment
            user.email = email
            user.email_verified_at = now
    except IntegrityError:
        return Verification(TAKEN, user, email)
    audit.record(user, None, "account.email_changed", user, old_email=old, new_email=email)
    return Verification(CHANGED, user, email)
