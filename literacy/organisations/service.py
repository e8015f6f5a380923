"""An organisation's people and roles: who belongs, with which roles, and changing them (audited).

Plain functions with plain arguments; functions that change data add to the session and leave the one
commit to the view. Read-side queries are set-based: one query per figure, never one per person.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select

from .. import audit, summaries
from ..extensions import db
from ..memberships import grant_role as grant_role  # re-exported: callers ask the organisations area
from ..models import ROLE_VALUES, Membership, Organisation, Role, User


def role_counts(organisation: Organisation) -> dict[str, int]:
    rows = db.session.execute(
        select(Membership.role, func.count(Membership.id))
        .where(Membership.organisation_id == organisation.id)
        .group_by(Membership.role)
    )
    return {role: count for role, count in rows}


def people_query(organisation: Organisation) -> Select:
    """People of an organisation with their roles, for the caller to paginate."""
    return (
        select(User)
        .where(User.id.in_(select(Membership.user_id).where(Membership.organisation_id == organisation.id)))
        .order_by(User.name, User.id)
    )


def roles_by_user(organisation: Organisation, user_ids: list[int]) -> dict[int, list[str]]:
    rows = db.session.execute(
        select(Membership.user_id, Membership.role)
        .where(Membership.organisation_id == organisation.id, Membership.user_id.in_(user_ids))
        .order_by(Membership.role)
    )
    found: dict[int, list[str]] = {}
    for user_id, role in rows:
        found.setdefault(user_id, []).append(role)
    return found


def person_in(organisation: Organisation, user_id: int) -> User | None:
    """A person of this organisation (holding any role in it), or None."""
    return db.session.scalar(
        select(User).where(
            User.id == user_id,
            User.id.in_(select(Membership.user_id).where(Membership.organisation_id == organisation.id)),
        )
    )


def set_roles(actor: User, organisation: Organisation, user: User, roles: set[str]) -> bool:
    """Give someone exactly ``roles`` in the organisation. Refuses (False) to remove the last administrator."""
    roles = {role for role in roles if role in ROLE_VALUES}
    # One change of roles at a time per organisation (the row locked on PostgreSQL; SQLite queues writers), so
    # two administrators removing each other's role at once cannot leave the organisation without one.
    # Their own row first (as granting a role takes it, before the organisation's key), so that whether
    # they join or leave the organisation's coverage is decided once.
    summaries.lock_people([user.id])
    db.session.execute(select(Organisation.id).where(Organisation.id == organisation.id).with_for_update())
    current = {
        m.role: m
        for m in db.session.scalars(
            select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
        )
    }
    if Role.ORG_ADMIN in current and Role.ORG_ADMIN not in roles and _admin_count(organisation) <= 1:
        return False
    if current and not roles:
        summaries.person_leaving(organisation.id, user.id)
    for role, membership in current.items():
        if role not in roles:
            db.session.delete(membership)
    for role in roles - set(current):
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
    if roles and not current:
        summaries.person_joined(organisation.id, user.id)
    audit.record(actor, organisation, "organisation.roles_changed", user, email=user.email, roles=sorted(roles))
    return True


def _admin_count(organisation: Organisation) -> int:
    return (
        db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.organisation_id == organisation.id, Membership.role == Role.ORG_ADMIN
            )
        )
        or 0
    )
