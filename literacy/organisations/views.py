from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import organisation_role_required
from ..cohorts import dashboards
from ..cohorts import service as cohorts_service
from ..cohorts.forms import InvitePersonForm
from ..cohorts.views import csv_response, send_invitations
from ..extensions import db
from ..i18n import today
from ..models import ROLE_VALUES, Organisation, Role
from ..navigation import ROLE_LABELS
from . import bp, service

ORGANISATION_EXPORTS = ("cohorts", "coverage", "elsewhere")


def threshold() -> int:
    return int(current_app.config.get("SMALL_GROUP_THRESHOLD") or 5)


@bp.get("/<org>/")
@organisation_role_required(Role.MANAGER, Role.ORG_ADMIN)
def overview(organisation: Organisation):
    """The organisation dashboard: cohorts side by side and AI-literacy coverage, small groups hidden."""
    return render_template(
        "organisations/overview.html",
        organisation=organisation,
        role_counts=service.role_counts(organisation),
        data=dashboards.organisation_dashboard(organisation, today(), threshold()),
        today=today(),
    )


@bp.get("/<org>/dashboard/<name>.csv")
@organisation_role_required(Role.MANAGER, Role.ORG_ADMIN)
def export(organisation: Organisation, name: str):
    if name not in ORGANISATION_EXPORTS:
        abort(404)
    data = dashboards.organisation_dashboard(organisation, today(), threshold(), only=(name,))
    prefix = "ai-literacy-coverage" if name == "coverage" else name
    return csv_response(data.tables[name], f"{organisation.slug}-{prefix}-{today().isoformat()}.csv")


@bp.get("/<org>/people")
@organisation_role_required(Role.ORG_ADMIN)
def people(organisation: Organisation):
    page = db.paginate(service.people_query(organisation), page=request.args.get("page", 1, type=int), per_page=50)
    roles = service.roles_by_user(organisation, [user.id for user in page.items])
    return render_template(
        "organisations/people.html",
        organisation=organisation,
        page=page,
        roles=roles,
        all_roles=[(role, ROLE_LABELS[role]) for role in ROLE_VALUES],
        invitations=cohorts_service.open_invitations(organisation, None),
    )


@bp.route("/<org>/people/<int:user_id>/roles", methods=["GET", "POST"])
@organisation_role_required(Role.ORG_ADMIN)
def roles(organisation: Organisation, user_id: int):
    person = cohorts_service.person_in(organisation, user_id)
    if person is None:
        abort(404)
    current = set(service.roles_by_user(organisation, [person.id]).get(person.id, []))
    error = None
    if request.method == "POST":
        wanted = {role for role in request.form.getlist("roles") if role in ROLE_VALUES}
        if not wanted:
            error = _("Select at least one role. To take someone out of the organisation, ask a site administrator.")
            current = wanted
        elif cohorts_service.set_roles(current_user, organisation, person, wanted):
            db.session.commit()
            flash(_("Roles saved for %(name)s", name=person.name), "success")
            return redirect(url_for("organisations.people", org=organisation.slug))
        else:
            error = _("The organisation must keep at least one administrator")
            current = wanted
    return render_template(
        "organisations/roles.html",
        organisation=organisation,
        person=person,
        current=current,
        error=error,
        all_roles=[(role, ROLE_LABELS[role]) for role in ROLE_VALUES],
    )


@bp.route("/<org>/people/invite", methods=["GET", "POST"])
@organisation_role_required(Role.ORG_ADMIN)
def invite(organisation: Organisation):
    form = InvitePersonForm()
    form.role.choices = [(role, str(ROLE_LABELS[role])) for role in ROLE_VALUES]
    if form.validate_on_submit():
        invitation = cohorts_service.invite_person(
            current_user,
            organisation,
            form.email.data or "",
            form.name.data or "",
            form.role.data,
            expires_days=int(current_app.config.get("INVITATION_DAYS") or 14),
        )
        db.session.commit()
        if send_invitations([invitation], organisation):
            flash(_("The invitation could not be sent: copy its link instead"), "error")
        else:
            flash(_("Invitation sent to %(email)s", email=invitation[0].email), "success")
        db.session.commit()
        return redirect(url_for("organisations.people", org=organisation.slug))
    return render_template("organisations/invite.html", organisation=organisation, form=form)
