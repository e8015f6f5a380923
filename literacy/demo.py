"""Demo organisation, cohort and accounts for trying the site; safe to run again."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from . import summaries
from .cohorts import membership
from .extensions import db
from .i18n import today as site_today
from .models import (
    Cohort,
    CohortAssignment,
    Module,
    Organisation,
    Role,
    User,
    user_by_email,
    utcnow,
)
from .organisations.service import grant_role

ORGANISATION = ("demo-council", "Demo County Council")
COHORT = "AI literacy for all staff"
#: modules assigned to the demo cohort (when published), with days until they are due
ASSIGNMENTS = {"ai-basics": 30, "generative-ai-at-work": 60}

#: (role shown, email, name, password, organisation roles, site admin)
ACCOUNTS: list[tuple[str, str, str, str, tuple[str, ...], bool]] = [
    ("learner", "learner@example.org", "Lowri Learner", "demo-learner-pass", (Role.LEARNER,), False),
    ("trainer", "trainer@example.org", "Tomos Trainer", "demo-trainer-pass", (Role.TRAINER,), False),
    ("manager", "manager@example.org", "Megan Manager", "demo-manager-pass", (Role.MANAGER,), False),
    ("admin", "admin@example.org", "Aled Admin", "demo-admin-pass", (Role.ORG_ADMIN,), True),
]


def ensure_demo() -> list[tuple[str, str, str]]:
    """Create what is missing and reset the demo passwords; returns (role, email, password) rows.

    A command's whole unit of work, so it commits (the ``demo`` and ``start`` commands call it).
    """
    organisation = _organisation()
    cohort = _cohort(organisation)
    printed = []
    for role, email, person, password, roles, site_admin in ACCOUNTS:
        user = _account(email, person, password, site_admin)
        for wanted in roles:
            grant_role(user, organisation.id, wanted)
        if role == "learner":
            membership.join(cohort.id, [user.id])
        printed.append((role, email, password))
    _assign(cohort)
    db.session.commit()
    return printed


def _organisation() -> Organisation:
    slug, name = ORGANISATION
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        organisation = Organisation(slug=slug, name=name)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def _cohort(organisation: Organisation) -> Cohort:
    """The demo cohort, running for a year from the day it is first made."""
    cohort = db.session.scalar(select(Cohort).where(Cohort.organisation_id == organisation.id, Cohort.name == COHORT))
    if cohort is None:
        today = site_today()
        cohort = Cohort(
            organisation_id=organisation.id,
            name=COHORT,
            description="Everyone in the council completes the core AI literacy modules.",
            starts_on=today,
            ends_on=date(today.year + 1, today.month, min(today.day, 28)),
        )
        db.session.add(cohort)
        db.session.flush()
    return cohort


def _account(email: str, name: str, password: str, site_admin: bool) -> User:
    """A demo account, created when missing; its known password and site-admin flag are set again."""
    user = db.session.scalar(user_by_email(email))
    if user is None:
        user = User(email=email, name=name)
        db.session.add(user)
        db.session.flush()
    user.set_password(password)
    user.is_site_admin = site_admin
    user.is_enabled = True
    user.email_verified_at = user.email_verified_at or utcnow()  # the operator vouches for demo addresses
    return user


def _assign(cohort: Cohort) -> None:
    """Assign the demo modules that are published and not yet assigned, due some days from today."""
    assigned = set(
        db.session.scalars(select(CohortAssignment.module_id).where(CohortAssignment.cohort_id == cohort.id))
    )
    for module in db.session.scalars(select(Module).where(Module.slug.in_(ASSIGNMENTS), Module.status == "published")):
        if module.id not in assigned:
            due = site_today() + timedelta(days=ASSIGNMENTS[module.slug])
            db.session.add(CohortAssignment(cohort_id=cohort.id, module_id=module.id, due_on=due))
            summaries.module_assigned(cohort.id, module.id)
