"""Site administrators' pages for every account (/admin/people) and the whole audit log (/admin/audit)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit_log, pagination
from ..auth.access import site_admin_required
from ..exports import csv_response
from ..extensions import db
from ..i18n import today
from ..notifications import status as message_status
from . import bp, people
from .people import Outcome

PER_PAGE = 50


@bp.get("/people")
@site_admin_required
def people_search():
    term = (request.args.get("q") or "").strip()[: people.MAX_TERM]
    number = pagination.page_number(request.args)
    page = db.paginate(people.search(term), page=number, per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/people/search.html",
        term=term,
        page=page,
        memberships=people.memberships([person.id for person in page.items]),
    )


def _person_or_404(user_id: int):
    person = people.person(user_id)
    if person is None:
        abort(404)
    return person


@bp.get("/people/<int:user_id>")
@site_admin_required
def person(user_id: int):
    person = _person_or_404(user_id)
    return render_template(
        "admin/people/person.html",
        person=person,
        memberships=people.memberships([person.id]).get(person.id, []),
        messages=message_status.messages_for(person.id, limit=20),
    )


def _back(person_id: int):
    return redirect(url_for("admin.person", user_id=person_id))


REFUSALS = {
    Outcome.LAST_ADMIN: lambda: _("The site must keep at least one site administrator"),
    Outcome.OWN_ACCOUNT: lambda: _("You cannot deactivate your own account here"),
}


def _tell(outcome: Outcome, done: str, already: str) -> None:
    if outcome in REFUSALS:
        flash(REFUSALS[outcome](), "error")
    else:
        flash(done if outcome is Outcome.CHANGED else already, "success")


@bp.post("/people/<int:user_id>/deactivate")
@site_admin_required
def deactivate(user_id: int):
    person = _person_or_404(user_id)
    outcome = people.set_enabled(current_user, person, False)
    db.session.commit()
    _tell(outcome, _("%(name)s’s account is deactivated: they are signed out and cannot sign in", name=person.name),
          _("%(name)s’s account was already deactivated", name=person.name))
    return _back(person.id)


@bp.post("/people/<int:user_id>/reactivate")
@site_admin_required
def reactivate(user_id: int):
    person = _person_or_404(user_id)
    outcome = people.set_enabled(current_user, person, True)
    db.session.commit()
    _tell(outcome, _("%(name)s’s account is active again", name=person.name),
          _("%(name)s’s account was already active", name=person.name))
    return _back(person.id)


@bp.post("/people/<int:user_id>/site-admin/grant")
@site_admin_required
def grant_site_admin(user_id: int):
    person = _person_or_404(user_id)
    outcome = people.set_site_admin(current_user, person, True)
    db.session.commit()
    _tell(outcome, _("%(name)s is now a site administrator", name=person.name),
          _("%(name)s was already a site administrator", name=person.name))
    return _back(person.id)


@bp.post("/people/<int:user_id>/site-admin/revoke")
@site_admin_required
def revoke_site_admin(user_id: int):
    person = _person_or_404(user_id)
    outcome = people.set_site_admin(current_user, person, False)
    db.session.commit()
    _tell(outcome, _("%(name)s is no longer a site administrator", name=person.name),
          _("%(name)s was not a site administrator", name=person.name))
    return _back(person.id)


@bp.post("/people/<int:user_id>/password-reset")
@site_admin_required
def send_password_reset(user_id: int):
    """Email the person a reset link; the administrator never sees the link or the password."""
    person = _person_or_404(user_id)
    if people.send_reset(current_user, person) is None:
        flash(_("%(name)s has no password to reset yet, or their account is switched off", name=person.name), "error")
        return _back(person.id)
    email, person_id = person.email, person.id
    db.session.commit()  # sent after the commit: the person's page lists the message and its status
    flash(_("A password reset link is being emailed to %(email)s", email=email), "success")
    return _back(person_id)


# --- the audit log --------------------------------------------------------------------------------------


@bp.get("/audit")
@site_admin_required
def audit():
    filters = audit_log.read_filters(request.args)
    query = audit_log.events_query(filters)
    page = db.paginate(query, page=pagination.page_number(request.args), per_page=audit_log.PER_PAGE, error_out=False)
    return render_template(
        "admin/audit.html",
        organisation=None,
        filters=filters,
        page=page,
        lines=audit_log.lines(list(page.items)),
        actions=audit_log.actions(),
        organisations=audit_log.organisations(),
        endpoint="admin.audit",
        csv_endpoint="admin.audit_csv",
        endpoint_args={},
    )


@bp.get("/audit.csv")
@site_admin_required
def audit_csv():
    filters = audit_log.read_filters(request.args)
    if filters.errors:
        return redirect(url_for("admin.audit", **filters.args()))
    events = list(db.session.scalars(audit_log.events_query(filters)))
    return csv_response(audit_log.table(events), f"audit-log-{today().isoformat()}.csv")
