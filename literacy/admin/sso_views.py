"""Site administrators configure an organisation's OpenID Connect providers and whether its members must
use them. The client secret stays in the environment: the form takes only the variable's name."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..auth import sso
from ..auth.access import site_admin_required
from ..extensions import db
from ..models import IdentityProvider, Organisation
from . import bp

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _strip(value: str | None) -> str | None:
    return value.strip() if value else value


def _issuer_url(form: FlaskForm, field: StringField) -> None:
    value = (field.data or "").rstrip("/")
    local = re.match(r"^http://(localhost|127\.0\.0\.1)(:\d+)?(/|$)", value)
    if not (value.startswith("https://") or local) or " " in value or len(value) < 10:
        raise ValidationError(_l("Enter the issuer as an https:// address, like https://login.example.com/tenant"))


class ProviderForm(FlaskForm):
    name = StringField(
        _l("Name on the sign-in button"),
        validators=[DataRequired(message=_l("Enter a name for the sign-in button")), Length(max=100)],
        filters=[_strip],
    )
    issuer = StringField(
        _l("Issuer URL"),
        validators=[DataRequired(message=_l("Enter the issuer URL")), Length(max=500), _issuer_url],
        filters=[_strip],
        render_kw={"spellcheck": "false"},
    )
    client_id = StringField(
        _l("Client ID"),
        validators=[DataRequired(message=_l("Enter the client ID")), Length(max=255)],
        filters=[_strip],
        render_kw={"spellcheck": "false"},
    )
    client_secret_env = StringField(
        _l("Environment variable that holds the client secret"),
        validators=[
            Optional(),
            Length(max=100),
            Regexp(
                ENV_NAME, message=_l("Use capital letters, digits and underscores, like LITERACY_SSO_COUNCIL_SECRET")
            ),
        ],
        filters=[_strip],
        render_kw={"spellcheck": "false"},
    )
    email_domains = TextAreaField(
        _l("Email domains"),
        validators=[DataRequired(message=_l("Enter at least one email domain")), Length(max=2000)],
        render_kw={"rows": 3, "spellcheck": "false"},
    )
    create_accounts = BooleanField(_l("Create an account, as a learner, the first time someone signs in"))
    is_enabled = BooleanField(_l("Offer this sign-in option"), default=True)

    def validate_email_domains(self, field: TextAreaField) -> None:
        domains = sso.normalise_domains(field.data or "")
        if not domains or any(not re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", d) for d in domains):
            raise ValidationError(_l("Enter email domains like example.gov.uk, one on each line"))


class ButtonForm(FlaskForm):
    """A CSRF-checked button."""


def _organisation(org: str) -> Organisation:
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.slug == org))
    if organisation is None:
        abort(404)
    return organisation


def _provider(organisation: Organisation, provider_id: int) -> IdentityProvider:
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None or provider.organisation_id != organisation.id:
        abort(404)
    return provider


@bp.get("/organisations/<org>/identity-providers")
@site_admin_required
def identity_providers(org: str):
    organisation = _organisation(org)
    return render_template(
        "admin/sso/index.html", organisation=organisation, providers=sso.providers_of(organisation), form=ButtonForm()
    )


@bp.post("/organisations/<org>/identity-providers/required")
@site_admin_required
def sso_required(org: str):
    organisation = _organisation(org)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)

    required = request.form.get("required") == "yes"
    if required and not any(p.is_enabled for p in sso.providers_of(organisation)):
        flash(_("Add a sign-in option and switch it on before requiring work accounts."), "error")
        return redirect(url_for("admin.identity_providers", org=org))
    if sso.set_sso_required(current_user, organisation, required):
        db.session.commit()
    if required:
        flash(_("Members of %(name)s now sign in with their work account only.", name=organisation.name), "success")
    else:
        flash(_("Members of %(name)s can sign in with a password again.", name=organisation.name), "success")
    return redirect(url_for("admin.identity_providers", org=org))


def _edit(organisation: Organisation, provider: IdentityProvider | None):
    form = ProviderForm(obj=provider) if provider is not None else ProviderForm()
    if provider is not None and not form.is_submitted():
        form.email_domains.data = "\n".join(provider.email_domains or [])
    if form.validate_on_submit():
        domains = sso.normalise_domains(form.email_domains.data or "")
        taken = sso.domain_taken(domains, except_provider=provider)
        if taken is None:
            saved = sso.save_provider(
                current_user,
                organisation,
                provider,
                name=form.name.data or "",
                issuer=form.issuer.data or "",
                client_id=form.client_id.data or "",
                client_secret_env=form.client_secret_env.data or "",
                email_domains=domains,
                create_accounts=bool(form.create_accounts.data),
                is_enabled=bool(form.is_enabled.data),
            )
            db.session.commit()
            flash(_("The sign-in option %(name)s is saved.", name=saved.name), "success")
            return redirect(url_for("admin.identity_providers", org=organisation.slug))
        form.email_domains.errors = [
            _("%(domain)s already has a sign-in option; each domain can have only one", domain=taken)
        ]
    status = 400 if form.errors else 200
    return (
        render_template("admin/sso/form.html", organisation=organisation, provider=provider, form=form),
        status,
    )


@bp.route("/organisations/<org>/identity-providers/new", methods=["GET", "POST"])
@site_admin_required
def new_identity_provider(org: str):
    return _edit(_organisation(org), None)


@bp.route("/organisations/<org>/identity-providers/<int:provider_id>", methods=["GET", "POST"])
@site_admin_required
def edit_identity_provider(org: str, provider_id: int):
    organisation = _organisation(org)
    return _edit(organisation, _provider(organisation, provider_id))
