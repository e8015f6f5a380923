"""Invitations to an organisation (with a role, and optionally into one of its cohorts).

The link's token is the credential: single use, expiring, stored only as its SHA-256. This module owns
the invitation's life: issue, renew, cancel, look up by link, accept into the organisation and email
the link. Joining the invitation's cohort is a cohort rule (``cohorts.membership.accept_invitation``).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, mail
from ..extensions import db
from ..models import Invitation, Organisation, Role, User, utcnow
from . import service

log = logging.getLogger(__name__)

#: the page that accepts an invitation (``literacy.invitations``)
ACCEPT_ENDPOINT = "invitations.accept"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    actor: User | None,
    organisation: Organisation,
    email: str,
    role: str = Role.LEARNER,
    *,
    cohort_id: int | None = None,
    expires_days: int = 14,
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """A fresh invitation and its raw token; any earlier open one for the same email and cohort is
    cancelled, so only the newest link works."""
    now = now or utcnow()
    for old in db.session.scalars(_open(organisation.id, cohort_id).where(Invitation.email == email)):
        old.cancelled_at = now
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=token_hash(token),
        email=email,
        organisation_id=organisation.id,
        cohort_id=cohort_id,
        role=role,
        invited_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=now + timedelta(days=expires_days),
    )
    db.session.add(invitation)
    audit.record(actor, organisation, "invitation.created", invitation, email=email, role=role)
    return invitation, token


def invite_person(
    actor: User, organisation: Organisation, email: str, name: str, role: str, *, expires_days: int = 14
) -> tuple[Invitation, str]:
    """An organisation admin invites someone to the organisation itself, with a role."""
    email = email.strip().lower()
    if invitee_of(email) is None:
        db.session.add(User(email=email, name=name.strip() or email.split("@")[0]))
    return issue(actor, organisation, email, role, expires_days=expires_days)


def _open(organisation_id: int, cohort_id: int | None):  # type: ignore[no-untyped-def]
    query = select(Invitation).where(
        Invitation.organisation_id == organisation_id,
        Invitation.accepted_at.is_(None),
        Invitation.cancelled_at.is_(None),
    )
    return query.where(Invitation.cohort_id == cohort_id if cohort_id else Invitation.cohort_id.is_(None))


def open_invitations(organisation: Organisation, cohort_id: int | None) -> list[Invitation]:
    """Invitations waiting to be accepted: to the organisation itself (``cohort_id`` None) or to a cohort."""
    return list(db.session.scalars(_open(organisation.id, cohort_id).order_by(Invitation.email)))


def find(organisation: Organisation, invitation_id: int) -> Invitation | None:
    """An open invitation, only through its own organisation."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.organisation_id == organisation.id)
    )
    if invitation is None or invitation.accepted_at or invitation.cancelled_at:
        return None
    return invitation


def renew(actor: User, invitation: Invitation, *, expires_days: int = 14) -> tuple[Invitation, str]:
    """A new link for the same person (the old link stops working): used to resend or to copy a link."""
    organisation = db.session.get(Organisation, invitation.organisation_id)
    email, role, cohort_id = invitation.email, invitation.role, invitation.cohort_id
    return issue(actor, organisation, email, role, cohort_id=cohort_id, expires_days=expires_days)


def cancel(actor: User, invitation: Invitation) -> None:
    invitation.cancelled_at = utcnow()
    audit.record(actor, db.session.get(Organisation, invitation.organisation_id), "invitation.cancelled", invitation)


def for_token(token: str, now: datetime | None = None) -> Invitation | None:
    """The open, unexpired invitation for a link, or None (used, cancelled, expired or never issued)."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    now = now or utcnow()
    if invitation is None or invitation.accepted_at or invitation.cancelled_at or invitation.expires_at <= now:
        return None
    return invitation


def invitee_of(email: str) -> User | None:
    """The account an invitation to ``email`` is for, if one exists already."""
    return db.session.scalar(select(User).where(User.email == email))


def accept(invitation: Invitation, name: str = "", password: str = "", now: datetime | None = None) -> User:
    """Join the organisation with the invited role; the link is spent. Returns the account.

    A new account gets its name and password here. An account that already has a password is never
    changed: the page lets it accept only when that person is signed in, so a link cannot take over an
    account.
    """
    user = invitee_of(invitation.email)
    if user is None:
        user = User(email=invitation.email, name=name.strip())
        db.session.add(user)
    if user.password_hash is None:
        user.name = name.strip() or user.name
        user.set_password(password)
    db.session.flush()
    service.grant_role(user, invitation.organisation_id, invitation.role)
    invitation.accepted_at = now or utcnow()
    return user


def expires_days() -> int:
    """How long a new link stays valid (``LITERACY_INVITATION_DAYS``)."""
    return int(current_app.config.get("INVITATION_DAYS") or 14)


def send(invited: list[tuple[Invitation, str]], organisation: Organisation) -> int:
    """Email each new link and mark it sent; returns how many could not be sent (their links can be copied).

    Called after the invitations are committed (mail cannot be rolled back); the caller commits again
    to keep the ``sent_at`` times.
    """
    failed = 0
    for invitation, token in invited:
        link = url_for(ACCEPT_ENDPOINT, token=token, _external=True)
        subject = _("You are invited to %(organisation)s on AI literacy", organisation=organisation.name)
        body = _(
            "You have been invited to join %(organisation)s on the AI literacy service.\n\n"
            "Follow this link to set your password and start learning:\n%(link)s\n\n"
            "The link works once and expires in %(days)s days.",
            organisation=organisation.name,
            link=link,
            days=expires_days(),
        )
        try:
            mail.send(current_app.config, invitation.email, subject, body)
        except (OSError, smtplib.SMTPException):
            log.exception("Could not send an invitation to %s", invitation.email)
            failed += 1
            continue
        invitation.sent_at = utcnow()
    return failed
