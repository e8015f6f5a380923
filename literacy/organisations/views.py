"""An organisation's own pages: its dashboard, its people and roles, and its invitations."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit_log, pagination
from ..auth import reset
from ..auth.access import organisation_role_required
from ..exports import csv_response
from ..extensions import db
from ..i18n import today
from ..models import ROLE_VALUES, Invitation, Organisation, Role
from ..navigation import ROLE_LABELS
from . import bp, dashboard, invitations, service
from .forms import InvitePersonForm

ORGANISATION_EXPORTS = ("cohorts", "coverage", "elsewhere")
MANAGERS = (Role.MANAGER, Role.ORG_ADMIN)


def threshold() -> int:
    return int(current_app.config.get("SMALL_GROUP_THRESHOLD") or 5)


@bp.get("/<org>/")
@organisation_role_required(*MANAGERS)
def overview(organisation: Organisation):
    """The organisation dashboard: cohorts side by side and AI-literacy coverage, small groups hidden."""
    return render_template(
        "organisations/overview.html",
        organisation=organisation,
        data=dashboard.organisation_dashboard(organisation, today(), threshold()),
        today=today(),
    )


@bp.get("/<org>/dashboard/<name>.csv")
@organisation_role_required(*MANAGERS)
def export(organisation: Organisation, name: str):
    if name not in ORGANISATION_EXPORTS:
        abort(404)
    data = dashboard.organisation_dashboard(organisation, today(), threshold(), only=(name,))
    prefix = "ai-literacy-coverage" if name == "coverage" else name
    return csv_response(data.tables[name], f"{organisation.slug}-{prefix}-{today().isoformat()}.csv")


# --- people and roles ---------------------------------------------------------------------------------


def _all_roles() -> list[tuple[str, object]]:
    return [(role, ROLE_LABELS[role]) for role in ROLE_VALUES]


@bp.get("/<org>/people")
@organisation_role_required(Role.ORG_ADMIN)
def people(organisation: Organisation):
    page = db.paginate(service.people_query(organisation), page=pagination.page_number(request.args), per_page=50)
    return render_template(
        "organisations/people.html",
        organisation=organisation,
        page=page,
        roles=service.roles_by_user(organisation, [user.id for user in page.items]),
        all_roles=_all_roles(),
        invitations=invitations.open_invitations(organisation, None),
    )


@bp.route("/<org>/people/<int:user_id>/roles", methods=["GET", "POST"])
@organisation_role_required(Role.ORG_ADMIN)
def roles(organisation: Organisation, user_id: int):
    person = service.person_in(organisation, user_id)
    if person is None:
        abort(404)
    current = set(service.roles_by_user(organisation, [person.id]).get(person.id, []))
    error = None
    if request.method == "POST":
        current = {role for role in request.form.getlist("roles") if role in ROLE_VALUES}
        if not current:
            error = _("Select at least one role. To take someone out of the organisation, ask a site administrator.")
        elif service.set_roles(current_user, organisation, person, current):
            db.session.commit()
            flash(_("Roles saved for %(name)s", name=person.name), "success")
            return redirect(url_for("organisations.people", org=organisation.slug))
        else:
            error = _("The organisation must keep at least one administrator")
    return render_template(
        "organisations/roles.html",
        organisation=organisation,
        person=person,
        current=current,
        error=error,
        all_roles=_all_roles(),
    )


@bp.post("/<org>/people/<int:user_id>/password-reset")
@organisation_role_required(Role.ORG_ADMIN)
def send_password_reset(organisation: Organisation, user_id: int):
    """Email someone a reset link; the administrator never sees the link or the password."""
    person = service.person_in(organisation, user_id)
    if person is None:
        abort(404)
    back = redirect(url_for("organisations.people", org=organisation.slug))
    if not reset.may_reset(person):
        flash(_("%(name)s has no password to reset yet, or their account is switched off", name=person.name), "error")
        return back
    reset.send_reset(person, current_user, organisation=organisation)
    email = person.email
    db.session.commit()  # the message is sent after the commit
    flash(_("A password reset link is being emailed to %(email)s", email=email), "success")
    return back


# --- invitations --------------------------------------------------------------------------------------


def _limit_message(limit: invitations.LimitReached) -> str:
    return _(
        "You can send at most %(limit)s invitations in 24 hours and have %(left)s left. Try again later.",
        limit=limit.limit,
        left=limit.left,
    )


@bp.route("/<org>/people/invite", methods=["GET", "POST"])
@organisation_role_required(Role.ORG_ADMIN)
def invite(organisation: Organisation):
    form = InvitePersonForm()
    form.role.choices = [(role, str(label)) for role, label in _all_roles()]
    if form.validate_on_submit():
        try:
            invited = invitations.invite_person(
                current_user,
                organisation,
                form.email.data or "",
                form.name.data or "",
                form.role.data,
                expires_days=invitations.expires_days(),
            )
        except invitations.LimitReached as limit:
            form.email.errors = [*form.email.errors, _limit_message(limit)]
        else:
            _tell_queued(invited[0].email)
            db.session.commit()  # the email is sent after the commit; the list shows how it went
            return redirect(url_for("organisations.people", org=organisation.slug))
    return render_template("organisations/invite.html", organisation=organisation, form=form)


def _tell_queued(email: str) -> None:
    """The invitation's email is queued, not sent yet: the page says so, and the list of invitations on
    the next page shows whether it went (sent, retrying, failed, or no mail server: copy the link)."""
    flash(_("An invitation is being emailed to %(email)s. The list of invitations shows when it has gone.",
            email=email), "success")


def _invitation_or_404(organisation: Organisation, invitation_id: int, *, declined: bool = False) -> Invitation:
    """Only through the organisation in the URL, so another organisation's invitation is a 404."""
    invitation = invitations.find(organisation, invitation_id, declined=declined)
    if invitation is None:
        abort(404)
    return invitation


def _back(organisation: Organisation, invitation: Invitation):
    if invitation.cohort_id:
        return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=invitation.cohort_id))
    return redirect(url_for("organisations.people", org=organisation.slug))


@bp.post("/<org>/invitations/<int:invitation_id>/resend")
@organisation_role_required(*MANAGERS)
def resend_invitation(organisation: Organisation, invitation_id: int):
    invitation = _invitation_or_404(organisation, invitation_id)
    try:
        renewed = invitations.renew(current_user, invitation, expires_days=invitations.expires_days())
    except invitations.LimitReached as limit:
        flash(_limit_message(limit), "error")
        return _back(organisation, invitation)
    _tell_queued(renewed[0].email)
    db.session.commit()
    return _back(organisation, invitation)


@bp.post("/<org>/invitations/<int:invitation_id>/link")
@organisation_role_required(*MANAGERS)
def copy_invitation_link(organisation: Organisation, invitation_id: int):
    """A new link shown to the manager (marked as copied: accepting it never verifies the address)."""
    invitation = _invitation_or_404(organisation, invitation_id)
    try:
        renewed, token = invitations.renew(
            current_user, invitation, expires_days=invitations.expires_days(), copied=True
        )
    except invitations.LimitReached as limit:
        flash(_limit_message(limit), "error")
        return _back(organisation, invitation)
    db.session.commit()
    return render_template(
        "organisations/invitation_link.html",
        organisation=organisation,
        invitation=renewed,
        link=url_for(invitations.ACCEPT_ENDPOINT, token=token, _external=True),
    )


@bp.post("/<org>/invitations/<int:invitation_id>/cancel")
@organisation_role_required(*MANAGERS)
def cancel_invitation(organisation: Organisation, invitation_id: int):
    invitation = _invitation_or_404(organisation, invitation_id, declined=True)
    invitations.cancel(current_user, invitation)
    db.session.commit()
    flash(_("Invitation removed from the list") if invitation.declined_at else _("Invitation cancelled"), "success")
    return _back(organisation, invitation)


# --- the audit log ------------------------------------------------------------------------------------


@bp.get("/<org>/audit")
@organisation_role_required(Role.ORG_ADMIN)
def audit(organisation: Organisation):
    """This organisation's events only (the site administrators' /admin/audit has every event)."""
    filters = audit_log.read_filters(request.args)
    page = db.paginate(
        audit_log.events_query(filters, organisation),
        page=pagination.page_number(request.args),
        per_page=audit_log.PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/audit.html",
        organisation=organisation,
        filters=filters,
        page=page,
        lines=audit_log.lines(list(page.items)),
        actions=audit_log.actions(organisation),
        organisations=None,
        endpoint="organisations.audit",
        csv_endpoint="organisations.audit_csv",
        endpoint_args={"org": organisation.slug},
    )


@bp.get("/<org>/audit.csv")
@organisation_role_required(Role.ORG_ADMIN)
def audit_csv(organisation: Organisation):
    filters = audit_log.read_filters(request.args)
    if filters.errors:
        return redirect(url_for("organisations.audit", org=organisation.slug, **filters.args()))
    events = list(db.session.scalars(audit_log.events_query(filters, organisation)))
    return csv_response(audit_log.table(events), f"{organisation.slug}-audit-log-{today().isoformat()}.csv")
