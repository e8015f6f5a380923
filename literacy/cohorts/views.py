"""Cohort pages: thin views that check access, call the services, commit once and render."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import pagination
from ..auth.access import organisation_role_required
from ..exports import csv_response, csv_stream
from ..extensions import Taken, db
from ..i18n import today
from ..models import Cohort, Module, Organisation, Role
from ..organisations import invitations
from ..titles import page_language, title_in
from . import bp, dashboards, rendering, roster, service
from .forms import AddMembersForm, AssignForm, CohortForm, LeaveForm

MANAGERS = (Role.MANAGER, Role.ORG_ADMIN)
bp.add_app_template_global(rendering.question_details, "question_details")


def _cohort_or_404(organisation: Organisation, cohort_id: int) -> Cohort:
    cohort = service.find_cohort(organisation, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


# --- cohorts ------------------------------------------------------------------------------------------


@bp.get("/organisations/<org>/cohorts")
@organisation_role_required(*MANAGERS)
def index(organisation: Organisation):
    cohorts = service.cohorts_with_sizes(organisation)
    return render_template("cohorts/index.html", organisation=organisation, cohorts=cohorts)


@bp.route("/organisations/<org>/cohorts/new", methods=["GET", "POST"])
@organisation_role_required(*MANAGERS)
def create(organisation: Organisation):
    return _cohort_form(organisation, None)


@bp.route("/organisations/<org>/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@organisation_role_required(*MANAGERS)
def edit(organisation: Organisation, cohort_id: int):
    return _cohort_form(organisation, _cohort_or_404(organisation, cohort_id))


def _cohort_form(organisation: Organisation, cohort: Cohort | None):
    """Create (``cohort`` None) or edit a cohort; a taken name re-shows the form with what was typed."""
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        name = form.name.data or ""
        fields = (name, form.starts_on.data, form.ends_on.data, form.description.data or "")
        try:
            if service.name_taken(organisation, name, except_id=cohort.id if cohort else None):
                raise Taken(name)
            days = form.renewal_days_value
            if cohort is None:
                cohort = service.create_cohort(current_user, organisation, *fields, renewal_days=days)
                message = _("Cohort created")
            else:
                service.update_cohort(current_user, cohort, *fields, renewal_days=days)
                message = _("Cohort saved")
        except Taken:  # checked here, or created by another request a moment ago: the same message
            form.name.errors = [_("There is already a cohort with this name")]
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))
    return render_template("cohorts/edit.html", organisation=organisation, form=form, cohort=cohort)


@bp.get("/organisations/<org>/cohorts/<int:cohort_id>")
@organisation_role_required(*MANAGERS)
def show(organisation: Organisation, cohort_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    return _show(organisation, cohort, _assign_form(organisation), pagination.page_number(request.args))


def _show(organisation: Organisation, cohort: Cohort, assign_form: AssignForm, page_number: int):
    """The cohort page: a page of members, the assignments, waiting invitations and the assign form."""
    page = db.paginate(service.members_query(cohort), page=page_number, per_page=50)
    return render_template(
        "cohorts/show.html",
        organisation=organisation,
        cohort=cohort,
        page=page,
        added=service.added_dates(cohort, [person.id for person in page.items]),
        assignments=service.assignments(cohort),
        invitations=invitations.open_invitations(organisation, cohort.id),
        assign_form=assign_form,
    )


def _assign_form(organisation: Organisation) -> AssignForm:
    form = AssignForm()
    language = page_language()  # each title in the page's language where the module has one, marked if not
    form.module.choices = [("", _("Select a module"), {})] + [
        (str(module.id), title, {"lang": title.lang} if title.lang != language else {})
        for module, version in service.assignable_modules(organisation)
        for title in [title_in(version.texts, version.language, language)]
    ]
    return form


# --- members ------------------------------------------------------------------------------------------

PROBLEMS = {
    "email_missing": lambda p: _("Line %(line)s has no email address", line=p.line),
    "email_invalid": lambda p: _("Line %(line)s: “%(value)s” is not an email address", line=p.line, value=p.value),
    "duplicate": lambda p: _("Line %(line)s: “%(value)s” appears more than once", line=p.line, value=p.value),
    "name_too_long": lambda p: _(
        "The name on line %(line)s is longer than %(max)s characters: shorten it", line=p.line, max=roster.NAME_MAX
    ),
    "too_many": lambda p: _("Add at most %(number)s people at a time", number=roster.MAX_ROWS),
    "not_csv": lambda p: _("The file must be a CSV file saved as UTF-8"),
}


@bp.route("/organisations/<org>/cohorts/<int:cohort_id>/members/add", methods=["GET", "POST"])
@organisation_role_required(*MANAGERS)
def add_members(organisation: Organisation, cohort_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    form = AddMembersForm()
    errors: list[tuple[str, str]] = []
    if form.validate_on_submit():
        parsed, errors = _read_people(form)
        if not errors:
            days = invitations.expires_days()
            try:
                result = service.add_members(current_user, cohort, parsed.candidates, expires_days=days)
            except invitations.LimitReached as limit:
                errors = [(_field_of(form), _limit_message(limit))]
            else:
                _tell_added(result)
                db.session.commit()  # the invitations' emails are queued with them and sent after the commit
                return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))
    elif form.errors:
        errors = [(name, message) for name, messages in form.errors.items() for message in messages]
    return render_template(
        "cohorts/add_members.html",
        organisation=organisation,
        cohort=cohort,
        form=form,
        errors=errors,
        limit=invitations.daily_limit(),
    )


def _field_of(form: AddMembersForm) -> str:
    upload = form.upload.data
    return "upload" if upload and upload.filename else "emails"


def _limit_message(limit: invitations.LimitReached) -> str:
    return _(
        "You can send at most %(limit)s invitations in 24 hours and have %(left)s left. "
        "Nobody was added: add fewer people who need an invitation, or try again later.",
        limit=limit.limit,
        left=limit.left,
    )


def _read_people(form: AddMembersForm) -> tuple[roster.Parsed, list[tuple[str, str]]]:
    """The uploaded CSV file, or else the pasted addresses, and each problem against the field it is in."""
    field_id = _field_of(form)
    if field_id == "upload":
        parsed = roster.parse_csv(form.upload.data.read())
    else:
        parsed = roster.parse_pasted(form.emails.data or "")
    errors = []
    if not parsed.problems and not parsed.candidates:
        errors = [("emails", _("Enter at least one email address, or choose a CSV file"))]
    return parsed, errors + [(field_id, PROBLEMS[problem.code](problem)) for problem in parsed.problems]


def _tell_added(result: service.AddResult) -> None:
    """What was done; the invitations are only queued, so the page says they are being emailed (the list
    of invitations on the cohort page shows each one's email: sent, retrying, failed or not sent)."""
    flash(
        _(
            "%(added)s added, %(invited)s invited, %(already)s already in the cohort",
            added=len(result.added),
            invited=len(result.invited),
            already=len(result.already),
        ),
        "success",
    )
    if result.invited:
        flash(
            ngettext(
                "%(num)s invitation is being emailed: the list of invitations shows when it has gone.",
                "%(num)s invitations are being emailed: the list of invitations shows when each has gone.",
                len(result.invited),
            ),
            "success",
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


# --- leaving another organisation's programme (the member's own choice) -------------------------------


@bp.route("/my-learning/programmes/<int:cohort_id>/leave", methods=["GET", "POST"])
@login_required
def leave(cohort_id: int):
    """Confirm, then leave: only a current member, and only a cohort of an organisation they do not belong to."""
    joined = service.joined_programme(current_user, cohort_id)
    if joined is None:
        abort(404)
    cohort, organisation = joined
    form = LeaveForm()
    if form.validate_on_submit():
        service.leave_programme(current_user, cohort)
        db.session.commit()
        flash(
            _(
                "You have left “%(cohort)s”. %(organisation)s no longer sees your progress.",
                cohort=cohort.name,
                organisation=organisation.name,
            ),
            "success",
        )
        return redirect(url_for("learning.my_learning"))
    return render_template("cohorts/leave.html", cohort=cohort, organisation=organisation, form=form)


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
        flash(_assigned_message(form), "success")
        return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))
    return _show(organisation, cohort, form, 1)


def _assigned_message(form: AssignForm) -> str:
    """Say what was saved, so that "no due date" is never a surprise."""
    title = {value: label for value, label, *_attributes in form.module.choices}.get(form.module.data, "")
    if form.due_on.data is None:
        return _("%(module)s assigned with no due date", module=title)
    return _("%(module)s assigned, due %(date)s", module=title, date=format_date(form.due_on.data, "long"))


@bp.post("/organisations/<org>/cohorts/<int:cohort_id>/assignments/<int:module_id>/remove")
@organisation_role_required(*MANAGERS)
def unassign(organisation: Organisation, cohort_id: int, module_id: int):
    cohort = _cohort_or_404(organisation, cohort_id)
    if not service.unassign_module(current_user, cohort, module_id):
        abort(404)
    db.session.commit()
    flash(_("Module no longer assigned"), "success")
    return redirect(url_for("cohorts.show", org=organisation.slug, cohort_id=cohort.id))


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
    data = dashboards.cohort_dashboard(cohort, today(), whole=True)
    wanted = _learner_filter()
    shown, matching, page = dashboards.learner_page(data, wanted, pagination.page_number(request.args))
    return render_template(
        "cohorts/dashboard.html",
        organisation=organisation,
        cohort=cohort,
        data=data,
        wanted=wanted,
        matching=matching,
        learners=dashboards.learners_table(data, shown),
        page=page,
        pages=max(1, -(-matching // dashboards.PER_PAGE)),
        statuses=dashboards.STATUS_LABELS,
    )


EXPORTS = ("modules", "scores", "weeks", "gain", "renewals", "questions", "options", "calibration", "learners")
RENAMED_EXPORTS = {"refresh": "renewals"}  # the renewals table was "refresh due" (new editions only) before


@bp.get("/organisations/<org>/cohorts/<int:cohort_id>/dashboard/<name>.csv")
@organisation_role_required(*MANAGERS)
def export(organisation: Organisation, cohort_id: int, name: str):
    """One table as CSV, computing only that table; learners.csv streams from a server-side cursor."""
    cohort = _cohort_or_404(organisation, cohort_id)
    name = RENAMED_EXPORTS.get(name, name)
    if name not in EXPORTS:
        abort(404)
    data = dashboards.cohort_dashboard(cohort, today())
    filename = f"cohort-{cohort.id}-{name}-{today().isoformat()}.csv"
    if name == "learners":
        rows = dashboards.learner_csv_rows(data, _learner_filter())
        return csv_stream(dashboards.learners_columns(data), rows, filename, cells=list)
    if name == "options":
        return csv_response(dashboards.option_rows(data.questions, data.modules), filename)
    return csv_response(data.table(name), filename)
