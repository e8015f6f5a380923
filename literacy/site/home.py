"""The signed-in home page: each role's way into its work (issue 18).

Everyone signed in sees their learning (``my_learning.next_steps``: assigned work by due date, overdue
first, then what they are part way through). Managers and organisation administrators see the cohorts of
the organisations they manage, with members and overdue members; trainers their drafts and modules;
site administrators what needs their attention. A section appears only for a role the person holds
(through a membership of an organisation that is not archived, or the site administrator flag), and shows
only that organisation's rows.

Every section is a fixed number of set-based statements whatever the number of cohorts, modules or
organisations; a learner's page costs what My learning does (the roles come with the session's user).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from ..auth import sso
from ..auth.access import IMPLIED_ROLES
from ..auth.sessions import NOT_READ, header_roles
from ..authoring import listing
from ..extensions import db
from ..learning import my_learning as learning_service
from ..models import (
    Cohort,
    IdentityProvider,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    utcnow,
)
from ..organisations import dashboard

#: the roles that bring each section (as the header's links read ``IMPLIED_ROLES``)
MANAGING = frozenset(role for role, implied in IMPLIED_ROLES.items() if Role.MANAGER in implied)
AUTHORING = frozenset(role for role, implied in IMPLIED_ROLES.items() if Role.TRAINER in implied)
#: how many switched-off accounts the administrators' section names (the count is of all of them)
DISABLED_SHOWN = 10

_SLUGS = bindparam("slugs", expanding=True)
#: a person's roles in organisations that are not archived (when the session did not read them already)
_ROLES = (
    select(Membership.role, Organisation.slug, Organisation.name)
    .join(Organisation, Organisation.id == Membership.organisation_id)
    .where(Membership.user_id == bindparam("user_id"), Organisation.archived_at.is_(None))
)
_MANAGED_COHORTS = (
    select(Cohort.id, Cohort.name, Cohort.starts_on, Organisation.slug, Organisation.name.label("organisation"))
    .join(Organisation, Organisation.id == Cohort.organisation_id)
    .where(Organisation.slug.in_(_SLUGS), Organisation.archived_at.is_(None))
    .order_by(Organisation.name, Cohort.starts_on.desc().nulls_last(), Cohort.name, Cohort.id)
)


@dataclass(frozen=True)
class Place:
    """An organisation as a section heading and its links need it."""

    slug: str
    name: str


@dataclass(frozen=True)
class Roles:
    """The organisations (not archived) where the person manages and where they write modules."""

    managing: list[Place]
    authoring: list[Place]
    site_admin: bool


def roles_of(user: Any) -> Roles:
    """From the rows the session read with the user (no statement), else one small query."""
    rows = header_roles(user)
    if rows is None:
        rows = db.session.execute(_ROLES, {"user_id": user.id}).all()
    managing = {slug: Place(slug, name) for role, slug, name in rows if role in MANAGING}
    authoring = {slug: Place(slug, name) for role, slug, name in rows if role in AUTHORING}

    def by_name(places: dict[str, Place]) -> list[Place]:
        return sorted(places.values(), key=lambda place: place.name.casefold())

    return Roles(by_name(managing), by_name(authoring), bool(user.is_site_admin))


# --- learners ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerSection:
    steps: list[learning_service.Step]  # the work to do, in ``next_steps`` order; the first is the button
    completed: int  # modules completed (any edition)
    assigned: int  # modules assigned
    assigned_done: int  # of those, validly completed

    @property
    def next(self) -> learning_service.Step | None:
        return self.steps[0] if self.steps else None


def learner_section(user: Any, language: str, today: date, read_with_person: Any = NOT_READ) -> LearnerSection:
    learning = learning_service.my_learning(user, language, today, read_with_person=read_with_person)
    done = sum(1 for item in learning.assignments if item.completed)
    return LearnerSection(
        learning_service.next_steps(learning), len(learning.completed), len(learning.assignments), done
    )


# --- managers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortLine:
    id: int
    name: str
    starts_on: date | None
    members: int
    overdue: int  # members with an assignment past its due date, or a renewal past its date to renew by


@dataclass(frozen=True)
class ManagedOrganisation:
    place: Place
    cohorts: list[CohortLine]


def managed_cohorts(places: list[Place], today: date, now: datetime | None = None) -> list[ManagedOrganisation]:
    """The cohorts of these organisations, newest first, each with its current members and how many of
    them are overdue: the organisation dashboard's own figures (``dashboard.cohort_figures``, over the
    summary tables), so the home page and the dashboard always agree. A few statements for all of them."""
    if not places:
        return []
    slugs = [place.slug for place in places]
    rows = db.session.execute(_MANAGED_COHORTS, {"slugs": slugs}).all()
    found: dict[str, list[CohortLine]] = {place.slug: [] for place in places}
    if rows:
        ids = select(Cohort.id).join(Organisation, Organisation.id == Cohort.organisation_id).where(
            Organisation.slug.in_(slugs)
        )
        figures = dashboard.cohort_figures(ids, today, now or utcnow())
        for row in rows:
            counts = figures.get(row.id, dashboard.NO_FIGURES)
            found[row.slug].append(CohortLine(row.id, row.name, row.starts_on, counts["members"], counts["overdue"]))
    return [ManagedOrganisation(place, found[place.slug]) for place in places]


# --- trainers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthoredOrganisation:
    place: Place
    modules: list[listing.ModuleEntry]  # drafts not yet published and ones with changes first, then by title


def authored_modules(places: list[Place]) -> list[AuthoredOrganisation]:
    """Each organisation's modules written in the browser, as the authoring index lists them (two
    statements: the organisations, then every draft with its published version)."""
    if not places:
        return []
    organisations = list(
        db.session.scalars(
            select(Organisation).where(
                Organisation.slug.in_([place.slug for place in places]), Organisation.archived_at.is_(None)
            )
        )
    )
    entries = listing.modules_for(organisations)
    by_organisation: dict[int, list[listing.ModuleEntry]] = defaultdict(list)
    for entry in entries:
        by_organisation[entry.organisation.id if entry.organisation else 0].append(entry)
    ids = {organisation.slug: organisation.id for organisation in organisations}

    def order(entry: listing.ModuleEntry) -> tuple[bool, str]:
        return (not entry.unpublished_changes, entry.title.casefold())

    return [
        AuthoredOrganisation(place, sorted(by_organisation.get(ids.get(place.slug, -1), []), key=order))
        for place in places
    ]


# --- site administrators -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationLine:
    slug: str
    name: str
    people: int
    invitations: int  # waiting: neither accepted, cancelled nor declined, and not expired


@dataclass(frozen=True)
class SignInProblem:
    slug: str
    organisation: str
    kind: str  # "required-without-option": work accounts required, no sign-in option on; "secret-missing"
    provider: str = ""
    variable: str = ""


@dataclass
class AdminSection:
    organisations: list[OrganisationLine] = field(default_factory=list)  # the active ones, by name
    archived: int = 0
    disabled: list[Any] = field(default_factory=list)  # (id, name, email) of up to DISABLED_SHOWN, by name
    disabled_count: int = 0
    sign_in: list[SignInProblem] = field(default_factory=list)

    @property
    def invitations(self) -> int:
        return sum(line.invitations for line in self.organisations)

    @property
    def waiting(self) -> list[OrganisationLine]:
        return [line for line in self.organisations if line.invitations]


def admin_section(now: datetime | None = None) -> AdminSection:
    """What needs a site administrator's attention, read only: organisations with their people and
    waiting invitations, accounts switched off, and work-account sign-in that cannot work (required with
    no option switched on, or an option whose secret's environment variable is not set). Three statements."""
    now = now or utcnow()
    people = (
        select(func.count(func.distinct(Membership.user_id)))
        .where(Membership.organisation_id == Organisation.id)
        .scalar_subquery()
    )
    waiting = (
        select(func.count(Invitation.id))
        .where(
            Invitation.organisation_id == Organisation.id,
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
            Invitation.declined_at.is_(None),
            Invitation.expires_at > now,
        )
        .scalar_subquery()
    )
    section = AdminSection()
    organisations = db.session.execute(
        select(Organisation.id, Organisation.slug, Organisation.name, Organisation.archived_at,
               Organisation.sso_required, people.label("people"), waiting.label("waiting"))
        .order_by(Organisation.name, Organisation.id)
    ).all()
    for row in organisations:
        if row.archived_at is not None:
            section.archived += 1
        else:
            section.organisations.append(OrganisationLine(row.slug, row.name, row.people or 0, row.waiting or 0))
    disabled = db.session.execute(
        select(User.id, User.name, User.email, func.count().over().label("total"))
        .where(User.is_enabled.is_(False))
        .order_by(User.name, User.id)
        .limit(DISABLED_SHOWN)
    ).all()
    section.disabled = [(row.id, row.name, row.email) for row in disabled]
    section.disabled_count = disabled[0].total if disabled else 0
    section.sign_in = _sign_in_problems([row for row in organisations if row.archived_at is None])
    return section


def _sign_in_problems(organisations: list[Any]) -> list[SignInProblem]:
    """Work-account sign-in that cannot work, by organisation: one statement for every provider."""
    providers: dict[int, list[IdentityProvider]] = defaultdict(list)
    for provider in db.session.scalars(select(IdentityProvider).order_by(IdentityProvider.name)):
        providers[provider.organisation_id].append(provider)
    problems: list[SignInProblem] = []
    for row in organisations:
        enabled = [provider for provider in providers.get(row.id, []) if provider.is_enabled]
        if row.sso_required and not enabled:
            problems.append(SignInProblem(row.slug, row.name, "required-without-option"))
        for provider in enabled:
            if sso.secret_missing(provider):
                problems.append(
                    SignInProblem(row.slug, row.name, "secret-missing", provider.name, provider.client_secret_env)
                )
    return problems


# --- the page ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomePage:
    learner: LearnerSection
    managing: list[ManagedOrganisation]
    authoring: list[AuthoredOrganisation]
    admin: AdminSection | None


def home_page(user: Any, language: str, today: date, read_with_person: Any = NOT_READ) -> HomePage:
    """Every section that applies to ``user``; a section of a role they do not hold is never read.
    ``read_with_person``: the learner section's modules, when the session's statement read them."""
    roles = roles_of(user)
    return HomePage(
        learner_section(user, language, today, read_with_person),
        managed_cohorts(roles.managing, today),
        authored_modules(roles.authoring),
        admin_section() if roles.site_admin else None,
    )
