"""Who may see what. Every view declares its rule with one of these decorators.

Roles are per organisation (learner, trainer, manager, org_admin); ``org_admin`` includes the rights of
trainers and managers of that organisation, and a site admin may do everything.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, render_template
from flask_login import current_user, login_required

from ..extensions import db, login_manager
from ..models import Organisation, Role, User

F = TypeVar("F", bound=Callable[..., Any])

IMPLIED_ROLES: dict[str, set[str]] = {
    Role.LEARNER: {Role.LEARNER},
    Role.TRAINER: {Role.TRAINER, Role.LEARNER},
    Role.MANAGER: {Role.MANAGER, Role.LEARNER},
    Role.ORG_ADMIN: {Role.ORG_ADMIN, Role.MANAGER, Role.TRAINER, Role.LEARNER},
}


def effective_roles(user: User, organisation_id: int) -> set[str]:
    """The roles someone holds in an organisation, including the ones their roles imply."""
    if user.is_site_admin:
        return set(Role)
    roles: set[str] = set()
    for role in user.roles_in(organisation_id):
        roles |= IMPLIED_ROLES.get(role, set())
    return roles


def may(user: Any, organisation_id: int, *roles: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(effective_roles(user, organisation_id) & set(roles))


def organisations_for(user: Any, *roles: str) -> list[Organisation]:
    """Organisations where ``user`` may act in any of ``roles`` (used for navigation); archived ones never."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_site_admin:
        return list(
            db.session.scalars(
                db.select(Organisation).where(Organisation.archived_at.is_(None)).order_by(Organisation.name)
            )
        )
    wanted = {role for role, implied in IMPLIED_ROLES.items() if implied & set(roles)}
    return [organisation for organisation in user.organisations_with(*wanted) if organisation.archived_at is None]


def organisation_role_required(*roles: str) -> Callable[[F], F]:
    """For views under ``/organisations/<org>/``: signed in, and one of ``roles`` in that organisation.

    Anonymous people are sent to sign in; others without the role get 403. The view receives the
    organisation as ``organisation`` instead of the ``org`` slug. An archived organisation's pages answer
    "This organisation is archived" (403) to everyone but site administrators, who can still open it.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, org: str, **kwargs: Any) -> Any:
            organisation = db.session.scalar(db.select(Organisation).where(Organisation.slug == org))
            if organisation is None:
                abort(404)
            if not may(current_user, organisation.id, *roles):
                abort(403)
            if organisation.archived_at is not None and not current_user.is_site_admin:
                return render_template("errors/organisation_archived.html", organisation=organisation), 403
            return view(*args, organisation=organisation, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def site_admin_required(view: F) -> F:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_site_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def any_role_required(*roles: str) -> Callable[[F], F]:
    """Signed in and holding one of ``roles`` in at least one organisation (e.g. the authoring area)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not organisations_for(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


__all__ = [
    "any_role_required",
    "effective_roles",
    "login_manager",
    "login_required",
    "may",
    "organisation_role_required",
    "organisations_for",
    "site_admin_required",
]
