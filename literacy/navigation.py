"""The header navigation: only what the signed-in person's roles can use."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask.globals import _cv_request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import bindparam, select

from .auth.access import IMPLIED_ROLES, may, organisations_for
from .auth.sessions import header_roles
from .extensions import db
from .i18n import gettext as _  # Flask-Babel's result, without its look-ups through g for each label
from .models import Membership, Organisation, Role

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.TRAINER: _l("Trainer"),
    Role.MANAGER: _l("Manager"),
    Role.ORG_ADMIN: _l("Organisation administrator"),
}


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


#: how many built paths an app keeps (``path_for``): the site's own links and its organisations' and lessons'
MAX_PATHS = 4096
_PATHS = "literacy_paths"


def path_for(endpoint: str, **values: str) -> str:
    """``url_for(endpoint, **values)`` for a path on this site, built once per app and kept: such a path
    depends only on the endpoint, its values and the root the site is served under (the app has no URL
    defaults), and building one costs about 10 µs; a page has 15-20 of them (the header, the footer, the
    lesson's own links). Not for external URLs or anything with a query that varies per person."""
    context = _cv_request.get(None)  # the request's context itself: two proxy look-ups fewer a link
    if context is None:
        return url_for(endpoint, **values)
    kept = context.app.extensions.setdefault(_PATHS, {})
    key = (context.request.script_root, endpoint, *sorted(values.items()))
    found = kept.get(key)
    if found is None:
        found = url_for(endpoint, **values)
        if len(kept) < MAX_PATHS:
            kept[key] = found
    return found


def _item(label: str, endpoint: str, **values: str) -> NavItem | None:
    if endpoint not in current_app.view_functions:
        return None  # the area is not part of this build yet
    url = path_for(endpoint, **values)
    current = request.path == url or (url != "/" and request.path.startswith(url))
    return NavItem(label, url, current)


@dataclass(frozen=True)
class _Place:
    slug: str
    name: str


#: the roles that give each header link (as ``organisations_for`` reads ``IMPLIED_ROLES``)
_AUTHORING = frozenset(role for role, implied in IMPLIED_ROLES.items() if Role.TRAINER in implied)
_MANAGING = frozenset(role for role, implied in IMPLIED_ROLES.items() if Role.MANAGER in implied)
#: a person's roles in organisations that are not archived, built once
_ROLES = (
    select(Membership.role, Organisation.slug, Organisation.name)
    .join(Organisation, Organisation.id == Membership.organisation_id)
    .where(Membership.user_id == bindparam("user_id"), Organisation.archived_at.is_(None))
)


def _places(user) -> tuple[bool, list[_Place]]:  # type: ignore[no-untyped-def]
    """Whether ``user`` may author somewhere, and the organisations they manage, by name: for everyone but
    site administrators one small query of plain rows (the header is on every page), instead of loading
    their memberships and each one's organisation."""
    if user.is_site_admin:
        managed = organisations_for(user, Role.MANAGER)
        return bool(managed), [_Place(o.slug, o.name) for o in managed]
    rows = header_roles(user)  # read with the session's user when the request only reads
    if rows is None:
        rows = db.session.execute(_ROLES, {"user_id": user.id}).all()
    managed = {slug: _Place(slug, name) for role, slug, name in rows if role in _MANAGING}
    return any(role in _AUTHORING for role, _slug, _name in rows), sorted(managed.values(), key=lambda p: p.name)


def navigation() -> list[NavItem]:
    items = [_item(_("Home"), "site.home"), _item(_("Modules"), "learning.catalogue"),
             _item(_("Cases"), "cases.index")]
    user = current_user._get_current_object() if current_user else None
    if user is not None and user.is_authenticated:
        items.append(_item(_("My learning"), "learning.my_learning"))
        authoring, managed = _places(user)
        if authoring:
            items.append(_item(_("Authoring"), "authoring.index"))
        for organisation in managed:
            label = organisation.name if len(managed) > 1 else _("Organisation")
            items.append(_item(label, "organisations.overview", org=organisation.slug))
        if user.is_site_admin:
            items.append(_item(_("Admin"), "admin.index"))
    return [item for item in items if item is not None]


def init_app(app: Flask) -> None:
    # also for macros imported without context (My learning's resume links, the catalogue's entries)
    app.jinja_env.globals["path_for"] = path_for

    @app.context_processor
    def navigation_context() -> dict[str, object]:
        return {
            "navigation": navigation,
            "path_for": path_for,
            "role_label": lambda role: ROLE_LABELS.get(role, role),
            "may": lambda organisation, *roles: may(current_user, organisation.id, *roles),
        }
