"""Running a programme: cohorts, their members and assignments, each change audited.

Plain functions with plain arguments (no ``request``): views parse forms and call these; tests call them
directly. Functions that change data add to the session and leave the single commit to the caller.
Membership itself is written only by ``membership``; invitations belong to ``organisations.invitations``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, delete, func, select

from .. import audit, summaries
from ..bulk import among
from ..extensions import Taken, claiming, db
from ..models import (
    Cohort,
    CohortAssignment,
    CohortMember,
    Invitation,
    Membership,
    Module,
    ModuleVersion,
    Organisation,
    Role,
    User,
    utcnow,
)
from ..organisations import invitations
from . import membership
from .roster import Candidate

# --- cohorts -------------------------------------------------------------------------------------------


def find_cohort(organisation: Organisation, cohort_id: int) -> Cohort | None:
    """A cohort only through its own organisation, so another organisation's cohort is never found."""
    return db.session.scalar(select(Cohort).where(Cohort.id == cohort_id, Cohort.organisation_id == organisation.id))


def cohorts_with_sizes(organisation: Organisation) -> list[tuple[Cohort, int]]:
    """The organisation's cohorts, newest first, each with its number of current members (one query)."""
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


def name_taken(organisation: Organisation, name: str, except_id: int | None = None) -> bool:
    query = select(Cohort.id).where(Cohort.organisation_id == organisation.id, Cohort.name == name.strip())
    if except_id is not None:
        query = query.where(Cohort.id != except_id)
    return db.session.scalar(query) is not None


def create_cohort(
    actor: User,
    organisation: Organisation,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    description: str,
    *,
    renewal_days: int | None = None,
) -> Cohort:
    """A new cohort. Raises ``Taken`` when another cohort of the organisation has the name, even one that
    another request created after ``name_taken`` looked (the unique constraint decides; nothing is left).
    ``renewal_days``: the days members have to renew (``literacy.renewal``; 30 when not given)."""
    cohort = Cohort(
        organisation_id=organisation.id,
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        description=description.strip(),
    )
    if renewal_days is not None:
        cohort.renewal_days = renewal_days
    with claiming():
        db.session.add(cohort)
    audit.record(actor, organisation, "cohort.created", cohort, name=cohort.name)
    return cohort


def update_cohort(
    actor: User,
    cohort: Cohort,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    description: str,
    *,
    renewal_days: int | None = None,
) -> None:
    """Save a cohort's details; raises ``Taken`` (and changes nothing) when the new name is another cohort's.
    New days to renew move the members' dates to renew by, kept in their summary rows."""
    moved = renewal_days is not None and renewal_days != cohort.renewal_days
    with claiming():
        cohort.name, cohort.starts_on, cohort.ends_on = name.strip(), starts_on, ends_on
        cohort.description = description.strip()
        if renewal_days is not None:
            cohort.renewal_days = renewal_days
    if moved:
        summaries.due_date_changed(cohort.id)
    audit.record(
        actor, _organisation(cohort), "cohort.updated", cohort, name=cohort.name, renewal_days=cohort.renewal_days
    )


def _organisation(cohort: Cohort) -> Organisation | None:
    return db.session.get(Organisation, cohort.organisation_id)


# --- members ------------------------------------------------------------------------------------------


@dataclass
class AddResult:
    """What adding a list did, in the words the manager sees: the same whatever accounts exist."""

    added: list[User] = field(default_factory=list)  # people of the organisation, now members
    already: list[User] = field(default_factory=list)  # current members (the manager sees them anyway)
    invited: list[tuple[Invitation, str]] = field(default_factory=list)  # (invitation, raw token)


def add_members(
    actor: User, cohort: Cohort, candidates: list[Candidate], *, expires_days: int = 14, now: datetime | None = None
) -> AddResult:
    """Add people by email. People who belong to the cohort's organisation (any role, and a password) join
    at once; everyone else, whether or not the address has an account elsewhere, is emailed an invitation
    and nothing about them is visible until they accept.

    Raises ``invitations.LimitReached`` before writing anything when the invitations would pass the
    manager's daily limit. Set-based, so the documented 10,000 rows take seconds: one lookup each for the
    accounts, their membership of the cohort and their roles in the organisation, then bulk writes (the
    invitations and their audit events, the members, one summaries update, one audit event listing who
    was added), a fixed number of statements whatever the number of people.
    """
    now = now or utcnow()
    organisation = _organisation(cohort)
    accounts = {
        user.email: user
        for user in db.session.scalars(
            select(User).where(among(User.email, [c.email for c in candidates]), User.password_hash.is_not(None))
        )
    }
    ids = [user.id for user in accounts.values()]
    current = membership.current_member_ids(cohort.id, ids)
    people = invitations.people_among(cohort.organisation_id, ids)
    result = AddResult()
    to_invite: list[Candidate] = []
    for candidate in candidates:
        user = accounts.get(candidate.email)
        if user is not None and user.id in current:
            result.already.append(user)
        elif user is not None and user.id in people:
            result.added.append(user)
        else:
            to_invite.append(candidate)
    invitations.check_room(actor, len(to_invite), now)
    result.invited = invitations.issue_many(
        actor,
        organisation,
        [(candidate.email, candidate.name) for candidate in to_invite],
        Role.LEARNER,
        cohort_id=cohort.id,
        expires_days=expires_days,
        now=now,
    )
    if result.added:
        membership.join(cohort.id, [user.id for user in result.added], now)
        audit.record(actor, organisation, "cohort.members_added", cohort, emails=[u.email for u in result.added])
    return result


def remove_member(actor: User, cohort: Cohort, user_id: int, now: datetime | None = None) -> bool:
    """Take someone out of a cohort; their progress, attempts and completions are untouched."""
    if not membership.leave(cohort.id, user_id, now):
        return False
    user = db.session.get(User, user_id)
    audit.record(actor, _organisation(cohort), "cohort.member_removed", cohort, email=user.email if user else None)
    return True


def programmes_joined(user: User) -> list[tuple[Cohort, Organisation]]:
    """The cohorts of other organisations ``user`` is a current member of (they can leave those
    themselves; their own organisation's cohorts are its managers' to change). One query."""
    return [
        (cohort, organisation)
        for cohort, organisation in db.session.execute(
            select(Cohort, Organisation)
            .join(Organisation, Organisation.id == Cohort.organisation_id)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(
                CohortMember.user_id == user.id,
                CohortMember.removed_at.is_(None),
                Cohort.organisation_id.not_in(select(Membership.organisation_id).where(Membership.user_id == user.id)),
            )
            .order_by(Organisation.name, Cohort.name)
        )
    ]


def joined_programme(user: User, cohort_id: int) -> tuple[Cohort, Organisation] | None:
    """One of ``programmes_joined``, or None (not a member, or a cohort of the person's own organisation)."""
    return next(((c, o) for c, o in programmes_joined(user) if c.id == cohort_id), None)


def leave_programme(user: User, cohort: Cohort, now: datetime | None = None) -> bool:
    """The person leaves another organisation's programme: its managers no longer see them (their learning
    is theirs and stays, and their own organisation's view is unchanged)."""
    if not membership.leave(cohort.id, user.id, now):
        return False
    audit.record(user, _organisation(cohort), "cohort.member_left", cohort, email=user.email)
    return True


def members_query(cohort: Cohort) -> Select:
    """Current members by name, for the caller to paginate."""
    return (
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None))
        .order_by(User.name, User.id)
    )


def added_dates(cohort: Cohort, user_ids: list[int]) -> dict[int, datetime]:
    """When each of a page of members joined (one query for the page)."""
    rows = db.session.execute(
        select(CohortMember.user_id, CohortMember.added_at).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id.in_(user_ids)
        )
    )
    return {user_id: added_at for user_id, added_at in rows}


# --- assignments --------------------------------------------------------------------------------------


def assignable_modules(organisation: Organisation) -> list[tuple[Module, ModuleVersion]]:
    """Published modules offered to this organisation's people (shared ones and its own)."""
    rows = db.session.execute(
        select(Module, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(
            Module.status == "published",
            (Module.organisation_id.is_(None)) | (Module.organisation_id == organisation.id),
        )
        .order_by(Module.slug)
    )
    return [(module, version) for module, version in rows]


def assignments(cohort: Cohort) -> list[tuple[CohortAssignment, Module, ModuleVersion | None]]:
    rows = db.session.execute(
        select(CohortAssignment, Module, ModuleVersion)
        .join(Module, Module.id == CohortAssignment.module_id)
        .outerjoin(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(CohortAssignment.cohort_id == cohort.id)
        .order_by(CohortAssignment.due_on, Module.slug)
    )
    return [(assignment, module, version) for assignment, module, version in rows]


def assign_module(actor: User, cohort: Cohort, module: Module, due_on: date | None) -> CohortAssignment:
    """Assign a module (or change its due date when it is already assigned)."""
    assigned = select(CohortAssignment).where(
        CohortAssignment.cohort_id == cohort.id, CohortAssignment.module_id == module.id
    )
    assignment = db.session.scalar(assigned)
    created = False
    if assignment is None:
        try:
            with claiming():
                assignment = CohortAssignment(cohort_id=cohort.id, module_id=module.id, due_on=due_on)
                db.session.add(assignment)
            created = True
        except Taken:  # assigned by another request a moment ago (a double click): this one sets the date
            assignment = db.session.scalar(assigned)
            assert assignment is not None
    if created:
        summaries.module_assigned(cohort.id, module.id)
    elif assignment.due_on != due_on:
        assignment.due_on = due_on
        summaries.due_date_changed(cohort.id)
    audit.record(
        actor,
        _organisation(cohort),
        "cohort.module_assigned",
        cohort,
        module=module.slug,
        due_on=due_on.isoformat() if due_on else None,
    )
    return assignment


def unassign_module(actor: User, cohort: Cohort, module_id: int) -> bool:
    module = db.session.get(Module, module_id)
    done = db.session.execute(
        delete(CohortAssignment).where(CohortAssignment.cohort_id == cohort.id, CohortAssignment.module_id == module_id)
    ).rowcount
    if done:
        summaries.module_unassigned(cohort.id, module_id)
        audit.record(
            actor, _organisation(cohort), "cohort.module_unassigned", cohort, module=module.slug if module else None
        )
    return bool(done)
