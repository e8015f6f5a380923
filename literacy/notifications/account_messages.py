"""The account messages: invitations, password resets, email verification and email-change notices.

None can be turned off (``preference=None``): each is the only way to a link the person asked for, or a
warning about their account. Each row holds ids (the invitation, the link's token row) and the raw link
token only sealed in ``secret``; the words are written here when the message is sent, in the
recipient's language. A link that stopped working before its turn came (used, replaced, cancelled,
expired) is not sent: the writer raises ``Skip`` and the row says why.

The words are the letters the areas used to send (``organisations.invitations``, ``auth.reset``,
``auth.verification``), split into the paragraphs and the one link the email layout shows. Like the
rest of ``notifications`` this module imports no area: it reads the rows (models), names the pages
by their endpoints, and takes a link's validity from its own row.
"""

from __future__ import annotations

import math
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..i18n import duration
from ..models import AccountToken, Invitation, Organisation, OutboxMessage, User, utcnow
from .kinds import Skip, Written, kind

INVITATION = "invitation"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind, not a password
EMAIL_VERIFICATION = "email_verification"  # a link confirming the account's current address
EMAIL_CHANGE_CONFIRM = "email_change_confirm"  # a link to the new address that moves the account to it
EMAIL_CHANGE_TAKEN = "email_change_taken"  # to a new address that already has an account: no link
EMAIL_CHANGE_NOTICE = "email_change_notice"  # to the old address: someone asked to change it

#: the pages the links open (their owners: organisations.invitations, auth.reset, auth.verification)
ACCEPT_ENDPOINT = "invitations.accept"
RESET_ENDPOINT = "auth.reset_password"
VERIFY_ENDPOINT = "auth.verify_email"
FORGOT_ENDPOINT = "auth.forgot_password"
#: AccountToken.purpose of each kind of link (auth.tokens)
RESET_PURPOSE, VERIFY_PURPOSE = "password_reset", "verify_email"  # noqa: S105 - purposes, not passwords

#: the two messages to a new address: the person asking sees them the same way (status.py), so their
#: list of messages cannot tell them whether that address already has an account
TO_NEW_ADDRESS = (EMAIL_CHANGE_CONFIRM, EMAIL_CHANGE_TAKEN)


def _context(message: OutboxMessage, key: str) -> int:
    value = (message.context or {}).get(key)
    if not isinstance(value, int):
        raise Skip(f"the message has no {key}")
    return value


def _need(secret: str | None) -> str:
    if secret is None:
        raise Skip("the link could not be read (the site's secret key changed since it was queued)")
    return secret


# --- invitations ---------------------------------------------------------------------------------------


def invitation_days_left(invitation: Invitation) -> int:
    """Whole days the link still works, rounded up (a message retried a day late says so)."""
    return max(1, math.ceil((invitation.expires_at - utcnow()) / timedelta(days=1)))


@kind(INVITATION)
def invitation(message: OutboxMessage, secret: str | None) -> Written:
    """The invitation email: the same words whether or not the address has an account."""
    found = db.session.get(Invitation, _context(message, "invitation_id"))
    if found is None:
        raise Skip("the invitation no longer exists")
    if found.accepted_at is not None:
        raise Skip("the invitation was accepted")
    if found.cancelled_at is not None:
        raise Skip("the invitation was cancelled or replaced by a newer link")
    if found.declined_at is not None:
        raise Skip("the invitation was declined")
    if found.expires_at <= utcnow():
        raise Skip("the invitation expired before it could be sent")
    link = url_for(ACCEPT_ENDPOINT, token=_need(secret), _external=True)
    organisation = db.session.get(Organisation, found.organisation_id)
    name = organisation.name if organisation else ""
    days = invitation_days_left(found)
    expiry = ngettext(
        "The link works once and expires in %(num)s day.", "The link works once and expires in %(num)s days.", days
    )
    if found.cohort_id is not None and found.cohort is not None:
        cohort = found.cohort.name
        return Written(
            subject=_(
                "%(organisation)s invites you to join “%(cohort)s” on AI literacy", organisation=name, cohort=cohort
            ),
            paragraphs=[
                _(
                    "%(organisation)s has invited you to join its programme “%(cohort)s” on the AI literacy service.",
                    organisation=name,
                    cohort=cohort,
                ),
                _(
                    "Follow the link to see what its managers would see about your learning, and to accept or "
                    "decline."
                ),
            ],
            link=(_("See the invitation"), link),
            after=[
                _("Nothing about you is shared with %(organisation)s unless you accept.", organisation=name),
                expiry,
            ],
        )
    return Written(
        subject=_("You are invited to %(organisation)s on AI literacy", organisation=name),
        paragraphs=[
            _("You have been invited to join %(organisation)s on the AI literacy service.", organisation=name),
            _("Follow the link to accept or decline."),
        ],
        link=(_("See the invitation"), link),
        after=[expiry],
    )


# --- links to an account -------------------------------------------------------------------------------


def _open_token(message: OutboxMessage, purpose: str) -> tuple[AccountToken, User]:
    """The message's token row and its account, while the link still works; Skip otherwise."""
    row = db.session.get(AccountToken, _context(message, "token_id"))
    if row is None or row.purpose != purpose:
        raise Skip("the link no longer exists")
    if row.used_at is not None:
        raise Skip("the link was used, or a newer one was asked for")
    if row.expires_at <= utcnow():
        raise Skip("the link expired before it could be sent")
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_enabled:
        raise Skip("the account is deactivated")
    return row, user


def _lasts(row: AccountToken) -> str:
    """How long the link works, as made (``expires_at - created_at``), in the reader's words."""
    return duration(round((row.expires_at - row.created_at).total_seconds() / 60))


@kind(PASSWORD_RESET)
def password_reset(message: OutboxMessage, secret: str | None) -> Written:
    """A reset link, asked for by the person (the forgot-password page) or sent by an administrator."""
    row, user = _open_token(message, RESET_PURPOSE)
    if user.email != row.email:
        raise Skip("the account's email address has changed since the link was made")
    link = url_for(RESET_ENDPOINT, token=_need(secret), _external=True)
    if (message.context or {}).get("by_administrator"):
        opening = _(
            "An administrator asked us to send you a link to reset the password of your AI literacy account "
            "(%(email)s).",
            email=row.email,
        )
    else:
        opening = _("Someone asked to reset the password of the AI literacy account for %(email)s.", email=row.email)
    return Written(
        subject=_("Reset your password for AI literacy"),
        paragraphs=[opening, _("To choose a new password, follow the link.")],
        link=(_("Choose a new password"), link),
        after=[
            _(
                "The link works once and expires in %(duration)s. Choosing a new password signs you out "
                "everywhere you are signed in.",
                duration=_lasts(row),
            ),
            _("If you did not ask for this, you can ignore this message: your password stays as it is."),
        ],
    )


@kind(EMAIL_VERIFICATION)
def email_verification(message: OutboxMessage, secret: str | None) -> Written:
    """A link confirming the account's current address."""
    row, user = _open_token(message, VERIFY_PURPOSE)
    if user.email != row.email:
        raise Skip("the account's email address has changed since the link was made")
    return Written(
        subject=_("Confirm your email address for AI literacy"),
        paragraphs=[
            _(
                "Follow the link to confirm that %(email)s is the email address of your AI literacy account.",
                email=row.email,
            )
        ],
        link=(
            _("Confirm your email address"),
            url_for(VERIFY_ENDPOINT, token=_need(secret), _external=True),
        ),
        after=[
            _("The link works once and expires in %(duration)s.", duration=_lasts(row)),
            _("If you did not ask for this, you can ignore this message."),
        ],
    )


@kind(EMAIL_CHANGE_CONFIRM)
def email_change_confirm(message: OutboxMessage, secret: str | None) -> Written:
    """To the new address: the link that moves the account to it."""
    row, _user = _open_token(message, VERIFY_PURPOSE)
    return Written(
        subject=_("Confirm your new email address for AI literacy"),
        paragraphs=[
            _(
                "You asked to use this address, %(email)s, for your AI literacy account. Follow the link to "
                "confirm it.",
                email=row.email,
            )
        ],
        link=(
            _("Confirm your new email address"),
            url_for(VERIFY_ENDPOINT, token=_need(secret), _external=True),
        ),
        after=[
            _(
                "The link works once and expires in %(duration)s. Until then, sign in with your current address.",
                duration=_lasts(row),
            ),
            _("If you did not ask for this, you can ignore this message."),
        ],
    )


@kind(EMAIL_CHANGE_TAKEN)
def email_change_taken(message: OutboxMessage, secret: str | None) -> Written:
    """To a new address that already has an account: nothing changed, and how to sign in with it."""
    return Written(
        subject=_("Your email address on AI literacy"),
        paragraphs=[
            _(
                "Someone asked to use this email address for an account on AI literacy, but there is already "
                "an account with this address, so nothing has changed."
            ),
            _(
                "If it was you, sign in with this address. If you have forgotten its password, you can choose "
                "a new one."
            ),
        ],
        link=(_("Choose a new password"), url_for(FORGOT_ENDPOINT, _external=True)),
        after=[_("If it was not you, you can ignore this message.")],
    )


@kind(EMAIL_CHANGE_NOTICE)
def email_change_notice(message: OutboxMessage, secret: str | None) -> Written:
    """To the old address: the change was asked for, and what to do if it was not the owner."""
    context = message.context or {}
    old, new = str(context.get("old") or message.recipient), str(context.get("new") or "")
    return Written(
        subject=_("Your AI literacy email address is being changed"),
        paragraphs=[
            _(
                "Someone asked to change the email address of your AI literacy account from %(old)s to %(new)s.",
                old=old,
                new=new,
            ),
            _(
                "Nothing changes until the link we sent to %(new)s is followed. If this was you, there is nothing "
                "more to do.",
                new=new,
            ),
            _(
                "If it was not you, someone may know your password: choose a new one, and tell your "
                "organisation's administrator."
            ),
        ],
        link=(_("Choose a new password"), url_for(FORGOT_ENDPOINT, _external=True)),
    )
