"""Site administrators' view of every account: find people, see where they belong, switch accounts off and
on, send a reset link, and grant or revoke site administration (never the last administrator).

Plain functions with plain arguments; the view commits once. Reads are set-based: one query for a page of
people, one for their memberships, whatever the page size.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Select, func, or_, select, update

from .. import audit
from ..account import service as account
from ..auth import reset
from ..extensions import db
from ..models import Membership, Organisation, OutboxMessage, User

#: the longest search text read (a name or an address is shorter; longer text is cut, not refused)
MAX_TERM = 254


def search(term: str) -> Select:
    """Every account whose name or email contains ``term``, ignoring case, by name; the view paginates.

    Emails are stored lower-cased, so only the name is lowered in SQL. A substring match reads the
    ``user`` table once (no index helps ``LIKE '%x%'``); an empty term lists everyone. ``%`` and ``_``
    typed by a person are matched as themselves (autoescape).
    """
    query = select(User).order_by(User.name, User.id)
    term = term.strip().lower()[:MAX_TERM]
    if term:
        query = query.where(
            or_(func.lower(User.name).contains(term, autoescape=True), User.email.contains(term, autoescape=True))
        )
    return query


@dataclass(frozen=True)
class Belonging:
    """One organisation a person belongs to, with their roles in it (sorted)."""

    organisation: Organisation
    roles: list[str]


def memberships(user_ids: list[int]) -> dict[int, list[Belonging]]:
    """The organisations and roles of a page of people, in one query, organisations by name."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(Membership.user_id, Organisation, Membership.role)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id.in_(user_ids))
        .order_by(Membership.user_id, Organisation.name, Organisation.id, Membership.role)
    )
    found: dict[int, list[Belonging]] = {}
    for user_id, organisation, role in rows:
        belongings = found.setdefault(user_id, [])
        if belongings and belongings[-1].organisation.id == organisation.id:
            belongings[-1].roles.append(role)
        else:
            belongings.append(Belonging(organisation, [role]))
    return found


def person(user_id: int) -> User | None:
    return db.session.get(User, user_id)


class Outcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"  # it already was so: nothing written, nothing recorded
    LAST_ADMIN = "last_admin"  # refused: the site would be left without an administrator
    OWN_ACCOUNT = "own_account"  # refused: an administrator does not switch off their own account here


# One key for "the set of site administrators" (any fixed 64-bit number; this one spells "admins").
_SITE_ADMINS_LOCK = 0x61646D696E73


def _locked_admins() -> set[int]:
    """The enabled site administrators, counted while holding the site-administrator lock until the commit
    (PostgreSQL: a transaction-level advisory lock; SQLite: the request already holds the write lock).

    So two administrators revoking each other at the same moment queue here: the second one counts after
    the first has committed, and is refused if it would remove the last. One lock rather than ``FOR
    UPDATE`` on the administrators' rows: the set of rows changes while requests wait for it, and the
    audit record's foreign-key check on a row another request had locked made a cycle (a deadlock
    with eight administrators at once).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(_SITE_ADMINS_LOCK)))
    return set(
        db.session.scalars(
            select(User.id)
            .where(User.is_site_admin.is_(True), User.is_enabled.is_(True))
            .order_by(User.id)
        )
    )


def set_site_admin(actor: User, user: User, admin: bool) -> Outcome:
    """Grant (``admin``) or revoke site administration; refuses to revoke the last enabled administrator."""
    admins = _locked_admins()
    db.session.refresh(user)  # what another request committed while we waited for the lock
    if user.is_site_admin == admin:
        return Outcome.UNCHANGED
    if not admin and user.id in admins and len(admins) <= 1:
        return Outcome.LAST_ADMIN
    db.session.execute(update(User).where(User.id == user.id).values(is_site_admin=admin))
    db.session.refresh(user)
    audit.record(actor, None, "admin.site_admin_granted" if admin else "admin.site_admin_revoked", user,
                 email=user.email)
    return Outcome.CHANGED


def set_enabled(actor: User, user: User, enabled: bool) -> Outcome:
    """Deactivate or reactivate an account (``account.service.set_enabled``: sessions end, history stays).

    Refuses an administrator's own account (they would lock themselves out mid-page; the account page
    has its own way) and the last enabled site administrator.
    """
    if not enabled:
        if user.id == actor.id:
            return Outcome.OWN_ACCOUNT
        admins = _locked_admins()
        db.session.refresh(user)
        if user.id in admins and len(admins) <= 1:
            return Outcome.LAST_ADMIN
    return Outcome.CHANGED if account.set_enabled(actor, user, enabled) else Outcome.UNCHANGED


def send_reset(actor: User, user: User) -> OutboxMessage | None:
    """Queue a password-reset link for ``user`` (audited), or None when the account may not reset
    (switched off, or still waiting for its invitation). The administrator never sees the link."""
    if not reset.may_reset(user):
        return None
    return reset.send_reset(user, actor)
