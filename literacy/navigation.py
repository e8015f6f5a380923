"""The header navigation: only what the signed-in person's roles can use."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .auth.access import may, organisations_for
from .models import Role

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


def _item(label: str, endpoint: str, **values: str) -> NavItem | None:
    if endpoint not in current_app.view_functions:
        return None  # the area is not part of this build yet
    url = url_for(endpoint, **values)
    current = request.path == url or (url != "/" and request.path.startswith(url))
    return NavItem(label, url, current)


def navigation() -> list[NavItem]:
    items = [_item(_("Home"), "site.home"), _item(_("Modules"), "learning.catalogue")]
    if current_user.is_authenticated:
        items.append(_item(_("My learning"), "learning.my_learning"))
        if organisations_for(current_user, Role.TRAINER):
            items.append(_item(_("Authoring"), "authoring.index"))
        managed = organisations_for(current_user, Role.MANAGER)
        for organisation in managed:
            label = organisation.name if len(managed) > 1 else _("Organisation")
            items.append(_item(label, "organisations.overview", org=organisation.slug))
        if current_user.is_site_admin:
            items.append(_item(_("Admin"), "admin.index"))
    return [item for item in items if item is not None]


def init_app(app: Flask) -> None:
    @app.context_processor
    def navigation_context() -> dict[str, object]:
        return {
            "navigation": navigation,
            "role_label": lambda role: ROLE_LABELS.get(role, role),
            "may": lambda organisation, *roles: may(current_user, organisation.id, *roles),
        }
