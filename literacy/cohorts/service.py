"""Running a programme: cohorts, members, assignments, invitations and roles, each change audited.

Plain functions with plain arguments (no ``request``): views parse forms and call these; tests call them
directly. Functions that change data add to the session and leave the single commit to the caller.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select

from .. import summaries
from ..extensions import db
from ..models import (
    ROLE_VALUES,
    AuditEvent,
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

EMAIL_RE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
MAX_ROWS = 10_000


def audit(actor: User | None, organisation: Organisation | None, action: str, target: Any, **details: Any) -> None:
    """Record a manager's or admin's change; ``target`` is a model instance (its table and id are kept)."""
    db.session.flush()
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor is not None else None,
            organisation_id=organisation.id if organisation is not None else None,
            action=action,
            target_type=type(target).__tablename__,
            target_id=str(target.id),
            details=details,
        )
    )


# --- cohorts -------------------------------------------------------------------------------------------


def cohorts_for(organisation: Organisation) -> list[Cohort]:
    return list(
        db.session.scalars(
            select(Cohort).where(Cohort.organisation_id == organisation.id).order_by(Cohort.name, Cohort.id)
        )
    )


def find_cohort(organisation: Organisation, cohort_id: int) -> Cohort | None:
    """A cohort only through its own organisation, so another organisation's cohort is never found."""
    return db.session.scalar(select(Cohort).where(Cohort.id == cohort_id, Cohort.organisation_id == organisation.id))


def name_taken(organisation: Organisation, name: str, except_id: int | None = None) -> bool:
    query = select(Cohort.id).where(Cohort.organisation_id == organisation.id, Cohort.name == name.strip())
    if except_id is not None:
        query = query.where(Cohort.id != except_id)
    return db.session.scalar(query) is not None


def create_cohort(
    actor: User, organisation: Organisation, name: str, starts_on: date | None, ends_on: date | None, description: str
) -> Cohort:
    cohort = Cohort(
        organisation_id=organisation.id,
        name=name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        description=description.strip(),
    )
    db.session.add(cohort)
    audit(actor, organisation, "cohort.created", cohort, name=cohort.name)
    return cohort


def update_cohort(
    actor: User, cohort: Cohort, name: str, starts_on: date | None, ends_on: date | None, description: str
) -> None:
    cohort.name, cohort.starts_on, cohort.ends_on = name.strip(), starts_on, ends_on
    cohort.description = description.strip()
    audit(actor, db.session.get(Organisation, cohort.organisation_id), "cohort.updated", cohort, name=cohort.name)


# --- members ------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """One person to add: from a pasted line or a CSV row (``line`` counts from 1)."""

    line: int
    email: str
    name: str = ""


@dataclass
class RowProblem:
    line: int
    code: str  # "email_missing", "email_invalid", "duplicate", "too_many", "not_csv"
    value: str = ""


@dataclass
class Parsed:
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def _check(parsed: Parsed, line: int, email: str, name: str, seen: set[str]) -> None:
    email = email.strip().lower()
    if not email:
        parsed.problems.append(RowProblem(line, "email_missing"))
    elif not EMAIL_RE.match(email) or len(email) > 254:
        parsed.problems.append(RowProblem(line, "email_invalid", email))
    elif email in seen:
        parsed.problems.append(RowProblem(line, "duplicate", email))
    else:
        seen.add(email)
        parsed.candidates.append(Candidate(line, email, name.strip()[:200]))


def parse_pasted(text: str) -> Parsed:
    """Email addresses one a line (commas and semicolons also separate); blank lines are skipped."""
    parsed, seen = Parsed(), set()
    for number, line in enumerate(text.splitlines(), start=1):
        for part in re.split(r"[,;]", line):
            if part.strip():
                _check(parsed, number, part, "", seen)
    if len(parsed.candidates) > MAX_ROWS:
        parsed.problems.append(RowProblem(MAX_ROWS + 1, "too_many"))
    return parsed


def parse_csv(data: bytes) -> Parsed:
    """A CSV of ``name,email`` (a header row naming the columns is optional, either order)."""
    parsed, seen = Parsed(), set()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problems.append(RowProblem(1, "not_csv"))
        return parsed
    rows = list(csv.reader(io.StringIO(text)))
    name_at, email_at = 0, 1
    start = 1
    if rows and any(cell.strip().lower() in ("email", "email address") for cell in rows[0]):
        header = [cell.strip().lower() for cell in rows[0]]
        email_at = next(i for i, cell in enumerate(header) if cell in ("email", "email address"))
        name_at = next((i for i, cell in enumerate(header) if cell == "name"), -1)
        rows, start = rows[1:], 2
    for number, row in enumerate(rows, start=start):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) == 1 and "@" in row[0]:
            email, name = row[0], ""
        else:
            email = row[email_at] if email_at < len(row) else ""
            name = row[name_at] if 0 <= name_at < len(row) else ""
        _check(parsed, number, email, name, seen)
    if len(parsed.candidates) > MAX_ROWS:
        parsed.problems.append(RowProblem(MAX_ROWS + 1, "too_many"))
    return parsed


@dataclass
class AddResult:
    added: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)
    invited: list[tuple[Invitation, str]] = field(default_factory=list)  # (invitation, raw token)


def add_members(
    actor: User, cohort: Cohort, candidates: list[Candidate], *, expires_days: int = 14, now: datetime | None = None
) -> AddResult:
    """Add people by email: existing accounts join at once (from any organisation), others are invited.

    Set-based: one lookup for all the accounts, one for their current cohort rows.
    """
    now = now or utcnow()
    organisation = db.session.get(Organisation, cohort.organisation_id)
    emails = [candidate.email for candidate in candidates]
    users = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_(emails)))}
    rows = {
        row.user_id: row
        for row in db.session.scalars(
            select(CohortMember).where(
                CohortMember.cohort_id == cohort.id, CohortMember.user_id.in_([u.id for u in users.values()])
            )
        )
    }
    result = AddResult()
    for candidate in candidates:
        user = users.get(candidate.email)
        if user is None or user.password_hash is None:
            if user is None:
                user = User(email=candidate.email, name=candidate.name or candidate.email.split("@")[0])
                db.session.add(user)
                db.session.flush()
            invitation, token = _new_invitation(
                actor, organisation, cohort, user.email, Role.LEARNER, expires_days, now
            )
            result.invited.append((invitation, token))
            continue
        row = rows.get(user.id)
        if row is not None and row.removed_at is None:
            result.already.append(user)
            continue
        if row is None:
            db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, added_at=now))
        else:
            row.removed_at, row.added_at = None, now  # back again: the old history is theirs anyway
        result.added.append(user)
    if result.added:
        summaries.members_joined(cohort.id, [user.id for user in result.added])
        audit(actor, organisation, "cohort.members_added", cohort, emails=[u.email for u in result.added])
    return result


def remove_member(actor: User, cohort: Cohort, user_id: int, now: datetime | None = None) -> bool:
    """Take someone out of a cohort; their progress, attempts and completions are untouched."""
    row = db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id, CohortMember.removed_at.is_(None)
        )
    )
    if row is None:
        return False
    summaries.member_leaving(cohort.id, user_id)
    row.removed_at = now or utcnow()
    user = db.session.get(User, user_id)
    audit(
        actor,
        db.session.get(Organisation, cohort.organisation_id),
        "cohort.member_removed",
        cohort,
        email=user.email if user else None,
    )
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


def member_count(cohort: Cohort) -> int:
    return (
        db.session.scalar(
            select(func.count(CohortMember.id)).where(
                CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None)
            )
        )
        or 0
    )


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
    assignment = db.session.scalar(
        select(CohortAssignment).where(CohortAssignment.cohort_id == cohort.id, CohortAssignment.module_id == module.id)
    )
    if assignment is None:
        assignment = CohortAssignment(cohort_id=cohort.id, module_id=module.id, due_on=due_on)
        db.session.add(assignment)
        summaries.module_assigned(cohort.id, module.id)
    elif assignment.due_on != due_on:
        assignment.due_on = due_on
        summaries.due_date_changed(cohort.id)
    audit(
        actor,
        db.session.get(Organisation, cohort.organisation_id),
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
        audit(
            actor,
            db.session.get(Organisation, cohort.organisation_id),
            "cohort.module_unassigned",
            cohort,
            module=module.slug if module else None,
        )
    return bool(done)


# --- invitations --------------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_invitation(
    actor: User | None,
    organisation: Organisation,
    cohort: Cohort | None,
    email: str,
    role: str,
    expires_days: int,
    now: datetime,
) -> tuple[Invitation, str]:
    """A fresh invitation; any earlier open one for the same email and cohort is cancelled (single link)."""
    open_ones = db.session.scalars(
        select(Invitation).where(
            Invitation.organisation_id == organisation.id,
            Invitation.email == email,
            Invitation.cohort_id == cohort.id if cohort else Invitation.cohort_id.is_(None),
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
        )
    )
    for old in open_ones:
        old.cancelled_at = now
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=token_hash(token),
        email=email,
        organisation_id=organisation.id,
        cohort_id=cohort.id if cohort else None,
        role=role,
        invited_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=now + timedelta(days=expires_days),
    )
    db.session.add(invitation)
    audit(actor, organisation, "invitation.created", invitation, email=email, role=role)
    return invitation, token


def invite_person(
    actor: User, organisation: Organisation, email: str, name: str, role: str, *, expires_days: int = 14
) -> tuple[Invitation, str]:
    """An organisation admin invites someone to the organisation itself, with a role."""
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        db.session.add(User(email=email, name=name.strip() or email.split("@")[0]))
    return _new_invitation(actor, organisation, None, email, role, expires_days, utcnow())


def open_invitations(organisation: Organisation, cohort: Cohort | None) -> list[Invitation]:
    query = select(Invitation).where(
        Invitation.organisation_id == organisation.id,
        Invitation.accepted_at.is_(None),
        Invitation.cancelled_at.is_(None),
    )
    query = query.where(Invitation.cohort_id == cohort.id) if cohort else query.where(Invitation.cohort_id.is_(None))
    return list(db.session.scalars(query.order_by(Invitation.email)))


def find_invitation(organisation: Organisation, invitation_id: int) -> Invitation | None:
    return db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.organisation_id == organisation.id)
    )


def renew_invitation(actor: User, invitation: Invitation, *, expires_days: int = 14) -> tuple[Invitation, str]:
    """A new link for the same person (the old link stops working): used to resend or to copy a link."""
    organisation = db.session.get(Organisation, invitation.organisation_id)
    return _new_invitation(
        actor, organisation, invitation.cohort, invitation.email, invitation.role, expires_days, utcnow()
    )


def cancel_invitation(actor: User, invitation: Invitation) -> None:
    invitation.cancelled_at = utcnow()
    audit(actor, db.session.get(Organisation, invitation.organisation_id), "invitation.cancelled", invitation)


def mark_sent(invitations: list[Invitation]) -> None:
    now = utcnow()
    for invitation in invitations:
        invitation.sent_at = now


def invitation_for_token(token: str, now: datetime | None = None) -> Invitation | None:
    """The open, unexpired invitation for a link, or None (used, cancelled, expired or never issued)."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    now = now or utcnow()
    if invitation is None or invitation.accepted_at or invitation.cancelled_at or invitation.expires_at <= now:
        return None
    return invitation


def invitee(invitation: Invitation) -> User | None:
    """The account an invitation is for, if one exists already."""
    return db.session.scalar(select(User).where(User.email == invitation.email))


def accept_invitation(invitation: Invitation, name: str = "", password: str = "") -> User:
    """Join the organisation (with the invited role) and the cohort; the link is spent.

    A new account gets its name and password here. An account that already has a password is never
    changed: the view lets it accept only when that person is signed in, so a link cannot take over an
    account.
    """
    now = utcnow()
    user = invitee(invitation)
    if user is None:
        user = User(email=invitation.email, name=name.strip())
        db.session.add(user)
    if user.password_hash is None:
        user.name = name.strip() or user.name
        user.set_password(password)
    db.session.flush()
    has_role = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id,
            Membership.organisation_id == invitation.organisation_id,
            Membership.role == invitation.role,
        )
    )
    if has_role is None:
        db.session.add(Membership(user_id=user.id, organisation_id=invitation.organisation_id, role=invitation.role))
    if invitation.cohort_id is not None:
        row = db.session.scalar(
            select(CohortMember).where(CohortMember.cohort_id == invitation.cohort_id, CohortMember.user_id == user.id)
        )
        if row is None or row.removed_at is not None:
            if row is None:
                db.session.add(CohortMember(cohort_id=invitation.cohort_id, user_id=user.id, added_at=now))
            else:
                row.removed_at, row.added_at = None, now
            summaries.members_joined(invitation.cohort_id, [user.id])
    invitation.accepted_at = now
    return user


# --- people and roles (organisation admins) -----------------------------------------------------------


def set_roles(actor: User, organisation: Organisation, user: User, roles: set[str]) -> bool:
    """Give someone exactly ``roles`` in the organisation. Refuses (False) to remove the last administrator."""
    roles = {role for role in roles if role in ROLE_VALUES}
    current = {
        m.role: m
        for m in db.session.scalars(
            select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
        )
    }
    if Role.ORG_ADMIN in current and Role.ORG_ADMIN not in roles:
        admins = db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.organisation_id == organisation.id, Membership.role == Role.ORG_ADMIN
            )
        )
        if (admins or 0) <= 1:
            return False
    for role, membership in current.items():
        if role not in roles:
            db.session.delete(membership)
    for role in roles - set(current):
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
    audit(actor, organisation, "organisation.roles_changed", user, email=user.email, roles=sorted(roles))
    return True


def person_in(organisation: Organisation, user_id: int) -> User | None:
    """A person of this organisation (holding any role in it), or None."""
    return db.session.scalar(
        select(User).where(
            User.id == user_id,
            User.id.in_(select(Membership.user_id).where(Membership.organisation_id == organisation.id)),
        )
    )


def audit_events(organisation: Organisation, limit: int = 50) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.organisation_id == organisation.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
