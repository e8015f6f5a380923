"""Read-side queries for an organisation's pages: set-based, one query per figure, never per person."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import Cohort, CohortMember, Membership, Organisation, User


def role_counts(organisation: Organisation) -> dict[str, int]:
    rows = db.session.execute(
        select(Membership.role, func.count(Membership.id))
        .where(Membership.organisation_id == organisation.id)
        .group_by(Membership.role)
    )
    return {role: count for role, count in rows}


def cohorts_with_sizes(organisation: Organisation) -> list[tuple[Cohort, int]]:
    members = (
        select(CohortMember.cohort_id, func.count(CohortMember.id).label("members"))
        .where(CohortMember.removed_at.is_(None))
        .group_by(CohortMember.cohort_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Cohort, func.coalesce(members.c.members, 0))
        .outerjoin(members, members.c.cohort_id == Cohort.id)
        .where(Cohort.organisation_id == organisation.id)
        .order_by(Cohort.starts_on.desc(), Cohort.name)
    )
    return [(cohort, count) for cohort, count in rows]


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
