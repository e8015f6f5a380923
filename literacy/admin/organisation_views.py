"""Site administrators' pages for organisations: create, rename, theme, archive, and their administrators."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import site_admin_required
from ..extensions import Taken, db
from ..models import Organisation
from . import bp
from . import organisations as service
from .forms import AppointAdministratorForm, ConfirmForm, CreateOrganisationForm, RenameOrganisationForm, ThemeForm


def _organisation(org: str) -> Organisation:
    organisation = service.by_slug(org)
    if organisation is None:
        abort(404)
    return organisation


def _show(organisation: Organisation, appoint: AppointAdministratorForm | None = None, status: int = 200):
    return (
        render_template(
            "admin/organisations/show.html",
            organisation=organisation,
            administrators=service.administrators(organisation),
            appoint=appoint or AppointAdministratorForm(formdata=None),
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@site_admin_required
def create_organisation():
    form = CreateOrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = service.create(current_user, form.name.data, form.slug.data)
        except Taken:  # created by another request since the form checked
            form.slug.errors = [_("Another organisation already uses this URL slug: choose a different one")]
        else:
            db.session.commit()
            flash(_("%(name)s created. Next, appoint its administrators.", name=organisation.name), "success")
            return redirect(url_for("admin.organisation", org=organisation.slug))
    return render_template("admin/organisations/new.html", form=form), 400 if form.errors else 200


@bp.get("/organisations/<org>")
@site_admin_required
def organisation(org: str):
    return _show(_organisation(org))


@bp.route("/organisations/<org>/name", methods=["GET", "POST"])
@site_admin_required
def rename_organisation(org: str):
    organisation = _organisation(org)
    form = RenameOrganisationForm(obj=organisation)
    if form.validate_on_submit():
        if service.rename(current_user, organisation, form.name.data):
            db.session.commit()
            flash(_("Name changed to %(name)s", name=organisation.name), "success")
        return redirect(url_for("admin.organisation", org=organisation.slug))
    status = 400 if form.errors else 200
    return render_template("admin/organisations/rename.html", organisation=organisation, form=form), status


@bp.route("/organisations/<org>/theme", methods=["GET", "POST"])
@site_admin_required
def organisation_theme(org: str):
    organisation = _organisation(org)
    form = ThemeForm(data={"accent_colour": organisation.accent_colour or ""})
    if form.validate_on_submit():
        changed = service.set_theme(
            current_user, organisation, form.colour, form.accepted_logo, bool(form.remove_logo.data)
        )
        if changed:
            db.session.commit()
            flash(_("Theme saved"), "success")
        return redirect(url_for("admin.organisation", org=organisation.slug))
    status = 400 if form.errors else 200
    return render_template(
        "admin/organisations/theme.html",
        organisation=organisation,
        form=form,
        logo_max_kb=service.LOGO_MAX_BYTES // 1024,
    ), status


@bp.route("/organisations/<org>/archive", methods=["GET", "POST"])
@site_admin_required
def archive_organisation(org: str):
    organisation = _organisation(org)
    form = ConfirmForm()
    if form.validate_on_submit():
        if service.archive(current_user, organisation):
            db.session.commit()
            flash(_("%(name)s archived", name=organisation.name), "success")
        return redirect(url_for("admin.organisation", org=organisation.slug))
    return render_template("admin/organisations/archive.html", organisation=organisation, form=form)


@bp.post("/organisations/<org>/unarchive")
@site_admin_required
def unarchive_organisation(org: str):
    organisation = _organisation(org)
    if ConfirmForm().validate_on_submit() and service.unarchive(current_user, organisation):
        db.session.commit()
        flash(_("%(name)s is no longer archived", name=organisation.name), "success")
    return redirect(url_for("admin.organisation", org=organisation.slug))


@bp.post("/organisations/<org>/administrators")
@site_admin_required
def appoint_administrator(org: str):
    organisation = _organisation(org)
    form = AppointAdministratorForm()
    if not form.validate_on_submit():
        return _show(organisation, form, 400)
    outcome, person = service.appoint_administrator(current_user, organisation, form.email.data)
    if outcome is service.Appointed.NO_ACCOUNT:
        form.email.errors = [
            _(
                "There is no account with this email address. To make someone new an administrator, invite them "
                "from the organisation's people page with the role Organisation administrator"
            )
        ]
        return _show(organisation, form, 400)
    assert person is not None
    if outcome is service.Appointed.APPOINTED:
        db.session.commit()
        flash(_("%(name)s is now an administrator of %(organisation)s", name=person.name,
                organisation=organisation.name), "success")
    else:
        flash(_("%(name)s is already an administrator of %(organisation)s", name=person.name,
                organisation=organisation.name), "info")
    return redirect(url_for("admin.organisation", org=organisation.slug))


@bp.post("/organisations/<org>/administrators/<int:user_id>/remove")
@site_admin_required
def remove_administrator(org: str, user_id: int):
    organisation = _organisation(org)
    person = next((user for user in service.administrators(organisation) if user.id == user_id), None)
    if person is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.organisation", org=organisation.slug))
    if service.remove_administrator(current_user, organisation, person):
        db.session.commit()
        flash(_("%(name)s is no longer an administrator of %(organisation)s", name=person.name,
                organisation=organisation.name), "success")
    else:
        flash(_("%(name)s is the only administrator of %(organisation)s, so they stay one. Appoint another "
                "administrator first.", name=person.name, organisation=organisation.name), "error")
    return redirect(url_for("admin.organisation", org=organisation.slug))

