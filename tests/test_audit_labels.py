"""Every action the code writes to the audit log has a label in plain words (audit_log.ACTION_LABELS), so
the log never shows a stored name like ``sso.provider_changed``."""

from __future__ import annotations

import ast

from literacy.audit_log import ACTION_LABELS
from literacy.config import PACKAGE_ROOT


def recorded_actions() -> set[str]:
    """The action strings passed to ``audit.record`` and ``audit.record_many`` anywhere in the package."""
    found = set()
    for path in PACKAGE_ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("record", "record_many")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                found |= {
                    arg.value
                    for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "." in arg.value
                }
    return found


def test_every_recorded_action_has_a_label():
    actions = recorded_actions()
    assert len(actions) > 30  # the walk finds the calls, so the comparison means something
    assert sorted(actions - set(ACTION_LABELS)) == []


def test_an_archived_organisations_invitation_link_stops_working(app, client, make_organisation, make_user):
    from literacy.extensions import db
    from literacy.models import utcnow
    from literacy.organisations import invitations

    organisation = make_organisation("org-a", "Organisation A")
    admin = make_user("admin@a.example", organisation=organisation, roles=("org_admin",))
    _, token = invitations.issue(admin, organisation, "new@a.example")
    db.session.commit()
    assert client.get(f"/invitations/{token}").status_code == 200
    organisation.archived_at = utcnow()
    db.session.commit()
    assert client.get(f"/invitations/{token}").status_code == 404
