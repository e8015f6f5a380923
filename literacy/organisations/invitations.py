"""Invitations to an organisation (with a role, and optionally into one of its cohorts).

The link's token is the credential: single use, expiring, stored only as its SHA-256. This module owns
the invitation's life: issue, renew, cancel, look up by link, spend, decline, accept into the
organisation and email the link. Joining the invitation's cohort is a cohort rule
(``cohorts.membership.accept_invitation``).

An invitation never makes an account: the name the inviter typed waits on the invitation, and the
account is created only when a new person accepts. Rows of accounts without a password (made by
earlier versions as placeholders) count as "no account yet".
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from sqlalchemy import String, cast, func, insert, literal, select, update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import generate_password_hash

from .. import audit
from ..bulk import among
from ..extensions import db
from ..i18n import current_language
from ..models import Cohort, Invitation, Membership, Organisation, OutboxMessage, Role, User, utcnow
from ..models.accounts import password_hash_method
from ..notifications import account_messages, outbox
from ..notifications import status as message_status
from . import service

log = logging.getLogger(__name__)

#: the page that accepts an invitation (``literacy.invitations``)
ACCEPT_ENDPOINT = "invitations.accept"

LIMIT_WINDOW = timedelta(hours=24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- the per-inviter limit ---------------------------------------------------------------------------


class LimitReached(Exception):
    """More invitations than the inviter may still send in the last 24 hours; nothing was written."""

    def __init__(self, limit: int, left: int) -> None:
        super().__init__(f"invitation limit {limit} reached ({left} left)")
        self.limit, self.left = limit, left


def daily_limit() -> int:
    """Invitations one person may create in 24 hours (``LITERACY_INVITATIONS_PER_DAY``)."""
    return int(current_app.config.get("INVITATIONS_PER_DAY") or 500)


def left_today(actor: User, now: datetime | None = None) -> int:
    """How many more invitations ``actor`` may create now: counted from the invitation table itself
    (resends and copied links included), so the limit holds across every worker."""
    now = now or utcnow()
    made = db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.invited_by_id == actor.id, Invitation.created_at > now - LIMIT_WINDOW
        )
    )
    return max(0, daily_limit() - (made or 0))


def check_room(actor: User | None, wanted: int, now: datetime | None = None) -> None:
    """Raise ``LimitReached`` before anything is written when ``wanted`` more would pass the limit."""
    if actor is None or wanted <= 0:
        return
    left = left_today(actor, now)
    if wanted > left:
        raise LimitReached(daily_limit(), left)


# --- issuing, renewing, cancelling -------------------------------------------------------------------


def issue(
    actor: User | None,
    organisation: Organisation,
    email: str,
    role: str = Role.LEARNER,
    *,
    name: str = "",
    cohort_id: int | None = None,
    expires_days: int = 14,
    copied: bool = False,
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """A fresh invitation and its raw token, its email queued in the outbox; any earlier open (or
    declined) one for the same email and cohort is cancelled, so only the newest link works (an email of
    the old link still waiting is then not sent). ``copied``: the link is for a manager to pass on, not
    emailed (accepting it then never verifies the address). The caller checks the limit first."""
    now = now or utcnow()
    for old in db.session.scalars(_listed(organisation.id, cohort_id).where(Invitation.email == email)):
        old.cancelled_at = now
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=token_hash(token),
        email=email,
        name=name.strip()[:200],
        organisation_id=organisation.id,
        cohort_id=cohort_id,
        role=role,
        invited_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=now + timedelta(days=expires_days),
        link_copied_at=now if copied else None,
    )
    db.session.add(invitation)
    audit.record(actor, organisation, "invitation.created", invitation, email=email, role=role, copied=copied)
    if not copied:
        db.session.flush()  # its id, for the email's row
        _email(organisation, [(invitation, token)])
    return invitation, token


def issue_many(
    actor: User | None,
    organisation: Organisation,
    people: list[tuple[str, str]],
    role: str = Role.LEARNER,
    *,
    cohort_id: int | None = None,
    expires_days: int = 14,
    now: datetime | None = None,
) -> list[tuple[Invitation, str]]:
    """``issue`` for many people at once, ``(email, name)`` each, the emails distinct: the same rows and
    audit events in a fixed number of statements (one UPDATE cancels every earlier open link, one bulk
    INSERT each for the invitations and their audit events, and ``_email``'s few for their emails). Every
    token is random and stored hashed. The caller checks the limit first."""
    if not people:
        return []
    now = now or utcnow()
    emails = [email for email, _name in people]
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.organisation_id == organisation.id,
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
            Invitation.cohort_id == cohort_id if cohort_id else Invitation.cohort_id.is_(None),
            among(Invitation.email, emails),
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session="fetch")
    )
    tokens = {token_hash(token): token for token in (secrets.token_urlsafe(32) for _ in people)}
    rows = [
        {
            "token_hash": hashed,
            "email": email,
            "name": name.strip()[:200],
            "organisation_id": organisation.id,
            "cohort_id": cohort_id,
            "role": role,
            "invited_by_id": actor.id if actor else None,
            "created_at": now,
            "expires_at": now + timedelta(days=expires_days),
        }
        for (email, name), hashed in zip(people, tokens, strict=True)
    ]
    # executemany without RETURNING (the ORM would insert one row at a time on SQLite), then one query
    # reads the rows back by their unique hashes
    db.session.execute(insert(Invitation), rows)
    made = {
        row.token_hash: row
        for row in db.session.scalars(select(Invitation).where(among(Invitation.token_hash, tokens)))
    }
    invitations = [made[row["token_hash"]] for row in rows]
    audit.record_many(
        actor,
        organisation,
        "invitation.created",
        [(invitation, {"email": invitation.email, "role": role, "copied": False}) for invitation in invitations],
        at=now,
    )
    invited = [(invitation, tokens[invitation.token_hash]) for invitation in invitations]
    _email(organisation, invited)
    return invited


def invite_person(
    actor: User, organisation: Organisation, email: str, name: str, role: str, *, expires_days: int = 14
) -> tuple[Invitation, str]:
    """An organisation admin invites someone to the organisation itself, with a role (no account is made)."""
    check_room(actor, 1)
    return issue(actor, organisation, email.strip().lower(), role, name=name, expires_days=expires_days)


def _listed(organisation_id: int, cohort_id: int | None):  # type: ignore[no-untyped-def]
    """Invitations the managers still see: neither accepted nor cancelled (waiting, declined or expired)."""
    query = select(Invitation).where(
        Invitation.organisation_id == organisation_id,
        Invitation.accepted_at.is_(None),
        Invitation.cancelled_at.is_(None),
    )
    return query.where(Invitation.cohort_id == cohort_id if cohort_id else Invitation.cohort_id.is_(None))


#: where an invitation on the managers' list stands
WAITING, DECLINED, EXPIRED = "waiting", "declined", "expired"


@dataclass(frozen=True)
class Listed:
    invitation: Invitation
    status: str  # WAITING, DECLINED or EXPIRED
    email: message_status.Status  # where its email stands: queued, sent, not sent, retrying, failed...


def open_invitations(organisation: Organisation, cohort_id: int | None, now: datetime | None = None) -> list[Listed]:
    """The invitations a manager sees (to the organisation itself, ``cohort_id`` None, or to a cohort):
    waiting, declined or expired, with their emails' status from the outbox (one more query); each shows
    its address and the typed name, never an account's."""
    now = now or utcnow()
    found = list(db.session.scalars(_listed(organisation.id, cohort_id).order_by(Invitation.email)))
    emails = message_status.invitation_statuses(found)
    return [
        Listed(
            invitation,
            DECLINED if invitation.declined_at else EXPIRED if invitation.expires_at <= now else WAITING,
            emails[invitation.id],
        )
        for invitation in found
    ]


def find(organisation: Organisation, invitation_id: int, *, declined: bool = False) -> Invitation | None:
    """An invitation not accepted or cancelled, only through its own organisation; a declined one only
    with ``declined`` (it can be taken off the list, not sent again: the person said no)."""
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.organisation_id == organisation.id)
    )
    if invitation is None or invitation.accepted_at or invitation.cancelled_at:
        return None
    if invitation.declined_at and not declined:
        return None
    return invitation


def renew(
    actor: User, invitation: Invitation, *, expires_days: int = 14, copied: bool = False
) -> tuple[Invitation, str]:
    """A new link for the same person (the old link stops working): to resend, or (``copied``) to show
    the manager a link to pass on. Counts towards the inviter's limit."""
    check_room(actor, 1)
    organisation = db.session.get(Organisation, invitation.organisation_id)
    return issue(
        actor,
        organisation,
        invitation.email,
        invitation.role,
        name=invitation.name,
        cohort_id=invitation.cohort_id,
        expires_days=expires_days,
        copied=copied,
    )


def cancel(actor: User, invitation: Invitation) -> None:
    invitation.cancelled_at = utcnow()
    audit.record(actor, db.session.get(Organisation, invitation.organisation_id), "invitation.cancelled", invitation)


# --- following a link --------------------------------------------------------------------------------


def for_token(token: str, now: datetime | None = None) -> Invitation | None:
    """The open, unexpired invitation for a link, or None (used, declined, cancelled, expired or never issued)."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    now = now or utcnow()
    if invitation is None or not _is_open(invitation, now):
        return None
    organisation = db.session.get(Organisation, invitation.organisation_id)
    if organisation is None or organisation.archived_at is not None:  # an archived organisation takes no one new
        return None
    return invitation


def _is_open(invitation: Invitation, now: datetime) -> bool:
    done = invitation.accepted_at or invitation.cancelled_at or invitation.declined_at
    return not done and invitation.expires_at > now


def _still_open(invitation_id: int, now: datetime):  # type: ignore[no-untyped-def]
    """The conditional UPDATE that uses a link up: it matches only while the link still works."""
    return update(Invitation).where(
        Invitation.id == invitation_id,
        Invitation.accepted_at.is_(None),
        Invitation.cancelled_at.is_(None),
        Invitation.declined_at.is_(None),
        Invitation.expires_at > now,
    )


def spend(invitation: Invitation, now: datetime | None = None) -> bool:
    """Mark the invitation accepted, in one conditional UPDATE; False when another request used, declined
    or cancelled it first (or it expired), and the caller then writes nothing. Called before anything else
    of the acceptance is written, so of two people following one link at the same moment exactly one wins
    (PostgreSQL makes the second wait on the row and re-check; SQLite lets one writer in at a time)."""
    now = now or utcnow()
    done = db.session.execute(
        _still_open(invitation.id, now).values(accepted_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if done == 1:
        set_committed_value(invitation, "accepted_at", now)
    return done == 1


def decline(invitation: Invitation, actor: User | None = None, now: datetime | None = None) -> bool:
    """The invited person says no (the same conditional UPDATE as accepting); the managers' list then
    shows the address as declined. False when the link no longer works."""
    now = now or utcnow()
    done = db.session.execute(
        _still_open(invitation.id, now).values(declined_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        return False
    set_committed_value(invitation, "declined_at", now)
    organisation = db.session.get(Organisation, invitation.organisation_id)
    audit.record(actor, organisation, "invitation.declined", invitation, email=invitation.email)
    return True


def invitee_of(email: str) -> User | None:
    """The account an invitation to ``email`` is for, if one exists (with a password: an old placeholder
    row without one is "no account yet")."""
    return db.session.scalar(select(User).where(User.email == email, User.password_hash.is_not(None)))


def people_among(organisation_id: int, user_ids: Iterable[int]) -> set[int]:
    """Which of these accounts belong to the organisation (hold any role in it); one query."""
    wanted = list(user_ids)
    if not wanted:
        return set()
    return set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.organisation_id == organisation_id, among(Membership.user_id, wanted)
            )
        )
    )


@dataclass
class Plan:
    """What accepting does to the account, for the page to state and ``accept`` to carry out."""

    organisation: Organisation
    cohort: Cohort | None
    role: str | None  # the role granted in the organisation, or None (joins the cohort only)
    homes: list[Organisation] = field(default_factory=list)  # the organisations the account already belongs to


def plan(invitation: Invitation, account: User | None) -> Plan:
    """An organisation invitation grants its role. A cohort invitation joins the cohort only, except that an
    account belonging to no organisation at all (a new person) also becomes a learner of the organising
    organisation, so it has a home."""
    organisation = db.session.get(Organisation, invitation.organisation_id)
    homes: list[Organisation] = []
    if account is not None:
        homes = list(
            db.session.scalars(
                select(Organisation)
                .where(Organisation.id.in_(select(Membership.organisation_id).where(Membership.user_id == account.id)))
                .order_by(Organisation.name)
            )
        )
    if invitation.cohort_id is None:
        role: str | None = invitation.role
    else:
        role = Role.LEARNER if not homes else None
    return Plan(organisation, invitation.cohort, role, homes)


def proves_mailbox(invitation: Invitation) -> bool:
    """Whether following this link shows the person reads the address: an SMTP server accepted its email
    and nobody was shown it. A copied link, or one written only to the log because no mail server is
    configured (``not_sent``), proves nothing. ``sent_at`` is the record of invitations emailed before
    the outbox (they have no ``message_id``)."""
    if invitation.link_copied_at is not None:
        return False
    if invitation.message_id is None:
        return invitation.sent_at is not None
    return email_status(invitation) == "sent"


class AccountExists(Exception):
    """The address got an account (with a password) while this person was accepting: they must sign in."""


def _new_account(email: str, name: str, password: str) -> User:
    """A new person's account. An old placeholder row for the address (no password) is claimed with a
    conditional UPDATE, so a link can never set the password of an account that has one, even one made a
    moment ago by another request."""
    hashed = generate_password_hash(password, method=password_hash_method())
    row = db.session.scalar(select(User).where(User.email == email))
    if row is None:
        user = User(email=email, name=name, password_hash=hashed)
        db.session.add(user)
        db.session.flush()  # a concurrent account for the address fails here, on the unique email
        return user
    name = name or row.name
    claimed = db.session.execute(
        update(User)
        .where(User.id == row.id, User.password_hash.is_(None))
        .values(name=name, password_hash=hashed)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise AccountExists(email)
    set_committed_value(row, "name", name)
    set_committed_value(row, "password_hash", hashed)
    return row


def accept(
    invitation: Invitation,
    *,
    account: User | None = None,
    name: str = "",
    password: str = "",
    now: datetime | None = None,
) -> User:
    """After ``spend``: give the account what the invitation grants (``plan``). Returns the account.

    ``account`` is the signed-in invitee: it is never changed but for its verified address and role. With
    no ``account`` a new person gets an account with their name and password (``_new_account``); when
    another request made one for the address meanwhile, this raises ``AccountExists`` or the database's
    integrity error, and the caller rolls back and asks the person to sign in.
    """
    now = now or utcnow()
    user = account if account is not None else _new_account(invitation.email, name.strip(), password)
    verified = proves_mailbox(invitation)
    if verified and user.email_verified_at is None:
        user.email_verified_at = now
    granted = plan(invitation, user if account is not None else None)
    if granted.role is not None:
        service.grant_role(user, invitation.organisation_id, granted.role)
    audit.record(
        user,
        granted.organisation,
        "invitation.accepted",
        invitation,
        email=invitation.email,
        cohort_id=invitation.cohort_id,
        role=granted.role,
        new_account=account is None,
        email_verified=verified,
    )
    return user


# --- email --------------------------------------------------------------------------------------------


def expires_days() -> int:
    """How long a new link stays valid (``LITERACY_INVITATION_DAYS``)."""
    return int(current_app.config.get("INVITATION_DAYS") or 14)


#: an invitation's email has the dedupe key "invitation:<id>" (one email per link; a resend is a new link)
KEY_PREFIX = "invitation:"


def _dedupe_key(invitation_id: int) -> str:
    return f"{KEY_PREFIX}{invitation_id}"


def _email(organisation: Organisation, invited: list[tuple[Invitation, str]]) -> None:
    """Queue each new link's email in the outbox (sent after the commit, in the invitee's language, by
    ``notifications.account_messages.invitation``) and point each invitation at its row.

    Set-based for thousands: one query for the accounts the addresses belong to (their language), one
    bulk INSERT of the rows, one query reading them back, one UPDATE setting every ``message_id``. The
    tokens are sealed (encrypted) in the rows and erased once each message is finished.
    """
    if not invited:
        return
    accounts = {
        email: (user_id, locale)
        for email, user_id, locale in db.session.execute(
            select(User.email, User.id, User.locale).where(
                among(User.email, [invitation.email for invitation, _token in invited]), User.password_hash.is_not(None)
            )
        )
    }
    now = utcnow()  # when it is due: the real clock, whatever ``now`` the invitations were made at
    language = current_language() if has_request_context() else current_app.config["BABEL_DEFAULT_LOCALE"]
    base = {"base_url": url_for("site.home", _external=True)} if has_request_context() else {}  # as outbox.queue
    rows = []
    for invitation, token in invited:
        user_id, locale = accounts.get(invitation.email, (None, None))
        rows.append(
            {
                "kind": account_messages.INVITATION,
                "recipient": invitation.email,
                "user_id": user_id,
                "organisation_id": organisation.id,
                "language": locale or language,
                "context": {"invitation_id": invitation.id, **base},
                "secret": outbox.seal(token),
                "dedupe_key": _dedupe_key(invitation.id),
                "is_optional": False,
                "status": "queued",
                "attempts": 0,
                "subject": "",
                "created_at": now,
                "next_attempt_at": now,
            }
        )
    # the table, not the ORM entity: the ORM would split the rows by which columns are None (two INSERTs)
    db.session.execute(insert(OutboxMessage.__table__), rows)
    keys = [row["dedupe_key"] for row in rows]
    queued = list(db.session.scalars(select(OutboxMessage).where(among(OutboxMessage.dedupe_key, keys))))
    db.session.info.setdefault(outbox.PENDING_KEY, []).extend(queued)  # handed to the consumer after the commit
    ids = {message.dedupe_key: message.id for message in queued}
    key = literal(KEY_PREFIX) + cast(Invitation.id, String)
    db.session.execute(
        update(Invitation)
        .where(among(Invitation.id, [invitation.id for invitation, _token in invited]))
        .values(message_id=select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key).scalar_subquery())
        .execution_options(synchronize_session=False)
    )
    for invitation, _token in invited:
        set_committed_value(invitation, "message_id", ids[_dedupe_key(invitation.id)])


def email_status(invitation: Invitation) -> str | None:
    """The raw status of the invitation's latest email (``sent``, ``not_sent``...), or None if none was queued."""
    return message_status.status_of(invitation.message_id)
