"""Cohort pages: thin views that check access, call the services, commit once and render."""

from __future__ import annotations

import logging
import smtplib
from datetime import date, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from flask_login import current_user, login_user

from ..auth.access import organisation_role_required
from ..extensions import db
from ..i18n import today
from ..models import Cohort, Invitation, Module, Organisation, Role
from . import bp, dashboards, mail, service
from .forms import AcceptInvitationForm, AddMembersForm, AssignForm, CohortForm, JoinForm
from .tables import Column, Suppressed, Table, csv_lines

log = logging.getLogger(__name__)
MANAGERS = (Role.MANAGER, Role.ORG_ADMIN)


def _cohort_or_404(organisation: Organisation, cohort_id: int) -> Cohort:
    cohort = service.find_cohort(organisation, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def expires_days() -> int:
    return int(current_app.config.get("INVITATION_DAYS") or 14)


def send_invitations(invited: list[tuple[Invitation, str]], organisation: Organisation) -> int:
    """Email each new link; returns how many could not be sent (the manager can copy those links)."""
    failed = 0
    for invitation, token in invited:
        link = url_for("cohorts.accept", token=token, _external=True)
        subject = _("You are invited to %(organisation)s on AI literacy", organisation=organisation.name)
        days = expires_days()
        body = _(
            "You have been invited to join %(organisation)s on the AI literacy service.\n\n"
            "Follow this link to set your password and start learning:\n%(link)s\n\n"
            "The link works once and expires in %(days)s days.",
            organisation=organisation.name,
            link=link,
            days=days,
        )
        try:
            mail.send(current_app.config, invitation.email, subject, body)
        except (OSError, smtplib.SMTPException):
            log.exception("Could not send an invitation to %s", invitation.email)
            failed += 1
            continue
        service.mark_sent([invitation])
    return failed


def csv_response(table: Table, filename: str) -> Response:
    """Stream a table as CSV, with exactly the values of the page.

    Translated labels are resolved here, in the request; the lines are then written as they are sent.
    """
    threshold = current_app.config.get("SMALL_GROUP_THRESHOLD") or 5
    text = _("fewer than %(number)s", number=threshold)
    columns = [Column(column.key, str(column.label), column.numeric) for column in table.columns]
    resolved: dict[int, str] = {}  # a status label repeats thousands of times: translate it once

    def plain(value: object) -> object:
        if isinstance(value, LazyString):
            if id(value) not in resolved:
                resolved[id(value)] = str(value)
            return resolved[id(value)]
        return value

    rows = [[plain(value) for value in row] for row in table.rows]
    response = Response(csv_lines(columns, rows, text), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.app_template_filter("dashboard_cell")
def dashboard_cell(value: object) -> str:
    """A dashboard figure as shown: locale-formatted, and "fewer than N" for a hidden one."""
    from flask_babel import format_date, format_decimal

    if value is None:
        return "–"
    if isinstance(value, Suppressed):
        return _("fewer than %(number)s", number=value.threshold)
    if isinstance(value, datetime | date):
        return format_date(value, "d MMM yyyy")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_decimal(value)
    return str(value)


# --- cohorts ------------------------------------------------------------------------------------------


@bp.get("/organisations/<org>/cohorts")
@organisation_role_required(*MANAGERS)
def index(organisation: Organisation):
    from ..organisations.service import cohorts_with_sizes

    return render_template("cohorts/index.html", organisation=organisation, cohorts=cohorts_with_sizes(organisation))


@bp.route("/organisations/<org>/cohorts/new", methods=["GET", "POST"])
@organisation_role_required(*MANAGERS)
def create(organisation: Organisation):
    form = CohortForm()
    if form.validate_on_submit():
        if service.name_taken(organisation, form.name.data or ""):
            form.name.errors = [_("There is already a cohort with this name")]
        else:
            cohort = service.create_cohort(
                current_user,
                organisation,
                form.name.data or "",
                form.starts_on.data,
                form.ends_on.data,
                form.description.data or "",
            )
            db.session.commit()
            flash(_("Cohort created"), "success")
            return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))
    return render_template("cohorts/edit.html", organisation=organisation, form=form, cohort=None)


@bp.route("/organisations/<org>/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@organisation_role_required(*MANAGERS)
def edit(organisation: Organisation, cohort_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        if service.name_taken(organisation, form.name.data or "", except_id=cohort.id):
            form.name.errors = [_("There is already a cohort with this name")]
        else:
            service.update_cohort(
                current_user,
                cohort,
                form.name.data or "",
                form.starts_on.data,
                form.ends_on.data,
                form.description.data or "",
            )
            db.session.commit()
            flash(_("Cohort saved"), "success")
            return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))
    return render_template("cohorts/edit.html", organisation=organisation, form=form, cohort=cohort)


@bp.get("/organisations/<org>/cohorts/<int:cohort_id>")
@organisation_role_required(*MANAGERS)
def show(organisation: Organisation, cohort_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    page = db.paginate(service.members_query(cohort), page=request.args.get("page", 1, type=int), per_page=50)
    return render_template(
        "cohorts/show.html",
        organisation=organisation,
        cohort=cohort,
        page=page,
        added=service.added_dates(cohort, [person.id for person in page.items]),
        assignments=service.assignments(cohort),
        invitations=service.open_invitations(organisation, cohort),
        assign_form=_assign_form(organisation),
    )


def _assign_form(organisation: Organisation) -> AssignForm:
    form = AssignForm()
    form.module.choices = [("", _("Select a module"))] + [
        (str(module.id), version.text("title", version.language))
        for module, version in service.assignable_modules(organisation)
    ]
    return form


# --- members ------------------------------------------------------------------------------------------

PROBLEMS = {
    "email_missing": lambda p: _("Line %(line)s: enter an email address", line=p.line),
    "email_invalid": lambda p: _("Line %(line)s: “%(value)s” is not an email address", line=p.line, value=p.value),
    "duplicate": lambda p: _("Line %(line)s: %(value)s appears more than once", line=p.line, value=p.value),
    "too_many": lambda p: _("Add at most %(number)s people at a time", number=service.MAX_ROWS),
    "not_csv": lambda p: _("The file must be a CSV file saved as UTF-8"),
}


@bp.route("/organisations/<org>/cohorts/<int:cohort_id>/members/add", methods=["GET", "POST"])
@organisation_role_required(*MANAGERS)
def add_members(organisation: Organisation, cohort_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    form = AddMembersForm()
    errors: list[tuple[str, str]] = []
    if form.validate_on_submit():
        upload = form.upload.data
        field_id = "upload" if upload and upload.filename else "emails"
        if field_id == "upload":
            parsed = service.parse_csv(upload.read())
        else:
            parsed = service.parse_pasted(form.emails.data or "")
        if not parsed.problems and not parsed.candidates:
            errors = [("emails", _("Enter at least one email address, or choose a CSV file"))]
        errors += [(field_id, PROBLEMS[problem.code](problem)) for problem in parsed.problems]
        if not errors:
            result = service.add_members(current_user, cohort, parsed.candidates, expires_days=expires_days())
            db.session.commit()
            failed = send_invitations(result.invited, organisation)
            db.session.commit()
            flash(
                _(
                    "%(added)s added, %(invited)s invited, %(already)s already in the cohort",
                    added=len(result.added),
                    invited=len(result.invited),
                    already=len(result.already),
                ),
                "success",
            )
            if failed:
                flash(
                    ngettext(
                        "%(num)s invitation could not be sent: copy its link below",
                        "%(num)s invitations could not be sent: copy their links below",
                        failed,
                    ),
                    "error",
                )
            return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))
    elif form.errors:
        errors = [(name, message) for name, messages in form.errors.items() for message in messages]
    return render_template(
        "cohorts/add_members.html", organisation=organisation, cohort=cohort, form=form, errors=errors
    )


@bp.post("/organisations/<org>/cohorts/<int:cohort_id>/members/<int:user_id>/remove")
@organisation_role_required(*MANAGERS)
def remove_member(organisation: Organisation, cohort_id: int, user_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    if not service.remove_member(current_user, cohort, user_id):
        abort(404)
    db.session.commit()
    flash(_("Removed from the cohort. Their learning record is kept."), "success")
    return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))


# --- assignments --------------------------------------------------------------------------------------


@bp.post("/organisations/<org>/cohorts/<int:cohort_id>/assignments")
@organisation_role_required(*MANAGERS)
def assign(organisation: Organisation, cohort_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    form = _assign_form(organisation)
    if form.validate_on_submit() and form.module.data:
        module = db.session.get(Module, int(form.module.data))
        if module is None:
            abort(404)
        service.assign_module(current_user, cohort, module, form.due_on.data)
        db.session.commit()
        flash(_("Module assigned"), "success")
        return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))
    page = db.paginate(service.members_query(cohort), page=1, per_page=50)
    return render_template(
        "cohorts/show.html",
        organisation=organisation,
        cohort=cohort,
        page=page,
        added=service.added_dates(cohort, [person.id for person in page.items]),
        assignments=service.assignments(cohort),
        invitations=service.open_invitations(organisation, cohort),
        assign_form=form,
    )


@bp.post("/organisations/<org>/cohorts/<int:cohort_id>/assignments/<int:module_id>/remove")
@organisation_role_required(*MANAGERS)
def unassign(organisation: Organisation, cohort_id: int, module_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    if not service.unassign_module(current_user, cohort, module_id):
        abort(404)
    db.session.commit()
    flash(_("Module no longer assigned"), "success")
    return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))


# --- invitations --------------------------------------------------------------------------------------


def _invitation_or_404(organisation: Organisation, invitation_id: int) -> Invitation:
    invitation = service.find_invitation(organisation, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.cancelled_at:
        abort(404)
    return invitation


def _back(organisation: Organisation, invitation: Invitation):
    if invitation.cohort_id:
        return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=invitation.cohort_id))
    return redirect(url_for("organisations.people", org=organisation.slug))


@bp.post("/organisations/<org>/invitations/<int:invitation_id>/resend")
@organisation_role_required(*MANAGERS)
def resend(organisation: Organisation, invitation_id: int):
    invitation = _invitation_or_404(organisation, invitation_id)
    renewed = service.renew_invitation(current_user, invitation, expires_days=expires_days())
    db.session.commit()
    if send_invitations([renewed], organisation):
        flash(_("The invitation could not be sent: copy its link instead"), "error")
    else:
        flash(_("Invitation sent to %(email)s", email=invitation.email), "success")
    db.session.commit()
    return _back(organisation, invitation)


@bp.post("/organisations/<org>/invitations/<int:invitation_id>/link")
@organisation_role_required(*MANAGERS)
def copy_link(organisation: Organisation, invitation_id: int):
    invitation = _invitation_or_404(organisation, invitation_id)
    renewed, token = service.renew_invitation(current_user, invitation, expires_days=expires_days())
    db.session.commit()
    return render_template(
        "cohorts/invitation_link.html",
        organisation=organisation,
        invitation=renewed,
        link=url_for("cohorts.accept", token=token, _external=True),
    )


@bp.post("/organisations/<org>/invitations/<int:invitation_id>/cancel")
@organisation_role_required(*MANAGERS)
def cancel(organisation: Organisation, invitation_id: int):
    invitation = _invitation_or_404(organisation, invitation_id)
    service.cancel_invitation(current_user, invitation)
    db.session.commit()
    flash(_("Invitation cancelled"), "success")
    return _back(organisation, invitation)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Anonymous: the link itself is the credential (single use, expiring, stored hashed).

    Someone who already has an account must sign in as that account first; the link never sets the
    password of an existing account.
    """
    invitation = service.invitation_for_token(token)
    if invitation is None:
        return render_template("cohorts/invitation_invalid.html"), 404
    organisation = db.session.get(Organisation, invitation.organisation_id)
    account = service.invitee(invitation)
    if account is not None and account.password_hash is not None:
        signed_in_as_invitee = current_user.is_authenticated and current_user.id == account.id
        form = JoinForm()
        if signed_in_as_invitee and form.validate_on_submit():
            service.accept_invitation(invitation)
            db.session.commit()
            flash(_("You have joined %(organisation)s", organisation=organisation.name), "success")
            return redirect(url_for("site.home"))
        return render_template(
            "cohorts/accept_existing.html",
            form=form,
            invitation=invitation,
            organisation=organisation,
            signed_in_as_invitee=signed_in_as_invitee,
        )
    form = AcceptInvitationForm()
    if request.method == "GET" and account is not None:
        form.name.data = account.name
    if form.validate_on_submit():
        user = service.accept_invitation(invitation, form.name.data or "", form.password.data or "")
        db.session.commit()
        locale = session.get("locale")
        session.clear()
        if locale:
            session["locale"] = locale
        login_user(user)
        flash(_("Welcome. Your account is ready."), "success")
        return redirect(url_for("site.home"))
    return render_template("cohorts/accept.html", form=form, invitation=invitation, organisation=organisation)


# --- dashboard and exports ----------------------------------------------------------------------------


def _learner_filter() -> dashboards.LearnerFilter:
    module = request.args.get("module", type=int)
    status = request.args.get("status") or None
    return dashboards.LearnerFilter(
        search=(request.args.get("q") or "").strip()[:200],
        module_id=module,
        status=status if status in dashboards.STATUSES else None,
        sort=request.args.get("sort") if request.args.get("sort") in dashboards.SORTS else "name",
        descending=request.args.get("order") == "desc",
    )


@bp.get("/organisations/<org>/cohorts/<int:cohort_id>/dashboard")
@organisation_role_required(*MANAGERS)
def dashboard(organisation: Organisation, cohort_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    data = dashboards.cohort_dashboard(cohort, today())
    wanted = _learner_filter()
    learners = dashboards.filter_learners(data, wanted)
    pages = max(1, -(-len(learners) // dashboards.PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    shown = learners[(page - 1) * dashboards.PER_PAGE : page * dashboards.PER_PAGE]
    return render_template(
        "cohorts/dashboard.html",
        organisation=organisation,
        cohort=cohort,
        data=data,
        wanted=wanted,
        matching=len(learners),
        learners=dashboards.learners_table(data, shown),
        page=page,
        pages=pages,
        statuses=dashboards.STATUS_LABELS,
    )


EXPORTS = ("modules", "scores", "weeks", "gain", "refresh", "questions", "options", "calibration", "learners")


@bp.get("/organisations/<org>/cohorts/<int:cohort_id>/dashboard/<name>.csv")
@organisation_role_required(*MANAGERS)
def export(organisation: Organisation, cohort_id: int, name: str):
    cohort = _cohort_or_404(organisation, cohort_id)
    if name not in EXPORTS:
        abort(404)
    from_answers = name in ("questions", "options", "calibration")
    data = dashboards.cohort_dashboard(cohort, today(), grid=not from_answers, answers=from_answers)
    if name == "learners":
        table = dashboards.learners_table(data, dashboards.filter_learners(data, _learner_filter()))
    elif name == "options":
        table = dashboards.option_rows(data.questions, data.modules)
    else:
        table = data.table(name)
    return csv_response(table, f"cohort-{cohort.id}-{name}-{today().isoformat()}.csv")
