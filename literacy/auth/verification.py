"""Verified email addresses: an address counts as the owner's only once they followed a link sent to it.

A manager can copy an invitation link and accept it themselves, so an account is not proof that its
address belongs to its holder. ``email_verified_at`` is set only by a link that was emailed: an emailed
invitation (``organisations.invitations``), a password reset (``auth.reset``) or a link from here. A
change of address takes effect only when the link sent to the new address is followed; the old address
is told, and an address that already has an account gets a letter saying so instead of a link, so the
form reveals nothing about which addresses have accounts.

Functions add to the database session and return letters; the view commits once, then delivers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..mail import Letter
from ..models import AccountToken, User, utcnow
from . import tokens
from .words import duration, written_for

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


def _link(user: User, email: str, now: datetime | None) -> str:
    token = tokens.issue(user, tokens.VERIFY_EMAIL, email, timedelta(hours=valid_hours()), now)
    return url_for(VERIFY_ENDPOINT, token=token, _external=True)


def verification_letter(user: User, now: datetime | None = None) -> Letter:
    """A link that confirms the account's current address (earlier verification links stop working)."""
    link = _link(user, user.email, now)
    with written_for(user):
        body = _(
            "Follow this link to confirm that %(email)s is the email address of your AI literacy account:\n"
            "%(link)s\n\n"
            "The link works once and expires in %(duration)s.\n\n"
            "If you did not ask for this, you can ignore this message.",
            email=user.email,
            link=link,
            duration=duration(valid_hours() * 60),
        )
        return Letter(to=user.email, subject=_("Confirm your email address for AI literacy"), body=body)


def _holder(email: str, user: User) -> User | None:
    """Another account that already has ``email``, if any."""
    return db.session.scalar(select(User).where(User.email == email, User.id != user.id))


def email_change(user: User, new_email: str, now: datetime | None = None) -> list[Letter]:
    """Ask to move the account to ``new_email``: a link to the new address, a notice to the old one.

    Nothing changes until the link is followed. When the new address already has an account, it gets a
    letter saying so instead of a link; the old address is told in both cases, so the person asking sees
    no difference. Asking for the current address again sends a link that confirms it.
    """
    new_email = new_email.strip().lower()
    if new_email == user.email:
        return [verification_letter(user, now)]
    audit.record(user, None, "account.email_change_requested", user, old_email=user.email, new_email=new_email)
    reset_link = url_for("auth.forgot_password", _external=True)
    with written_for(user):
        notice = Letter(
            to=user.email,
            subject=_("Your AI literacy email address is being changed"),
            body=_(
                "Someone asked to change the email address of your AI literacy account from %(old)s to "
                "%(new)s.\n\n"
                "Nothing changes until the link we sent to %(new)s is followed. If this was you, there is "
                "nothing more to do.\n\n"
                "If it was not you, someone may know your password: choose a new one at\n%(reset)s\n"
                "and tell your organisation's administrator.",
                old=user.email,
                new=new_email,
                reset=reset_link,
            ),
        )
    holder = _holder(new_email, user)
    if holder is not None:
        with written_for(holder):  # the letter goes to that account's owner
            to_new = Letter(
                to=new_email,
                subject=_("Your email address on AI literacy"),
                body=_(
                    "Someone asked to use this email address for an account on AI literacy, but there is "
                    "already an account with this address, so nothing has changed.\n\n"
                    "If it was you, sign in with this address. If you have forgotten its password, you can "
                    "choose a new one at\n%(reset)s\n\n"
                    "If it was not you, you can ignore this message.",
                    reset=reset_link,
                ),
            )
        return [to_new, notice]
    link = _link(user, new_email, now)
    with written_for(user):
        to_new = Letter(
            to=new_email,
            subject=_("Confirm your new email address for AI literacy"),
            body=_(
                "You asked to use this address, %(email)s, for your AI literacy account. Follow this link to "
                "confirm it:\n%(link)s\n\n"
                "The link works once and expires in %(duration)s. Until then, sign in with your current "
                "address.\n\n"
                "If you did not ask for this, you can ignore this message.",
                email=new_email,
                link=link,
                duration=duration(valid_hours() * 60),
            ),
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
