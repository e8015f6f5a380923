"""Single sign-on pages: "Sign in with your work account", the provider's callback, and linked work accounts.

The rules are in ``sso``; these views only move the person between this site and their provider.
"""

from __future__ import annotations

import requests
from authlib.common.errors import AuthlibBaseError
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from joserfc.errors import JoseError
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length

from ..extensions import db
from . import bp, sessions, sso

NEXT = "sso_next"  # where to go after signing in (a same-site path)
LINKING = "sso_link"  # the account id of a signed-in person who is linking a work account
FEW_PROVIDERS = 5  # up to this many providers are offered as buttons as well as by email address


class WorkEmailForm(FlaskForm):
    email = EmailField(
        _l("Work email address"),
        validators=[
            DataRequired(message=_l("Enter your work email address")),
            Email(message=_l("Enter an email address in the correct format, like name@example.gov.uk")),
            Length(max=254, message=_l("Your email address must be 254 characters or fewer")),
        ],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class ButtonForm(FlaskForm):
    """A CSRF-checked button (choosing a provider, linking, unlinking)."""


def _refused(reason: str, status: int = 403):
    db.session.rollback()
    return render_template("auth/sso_refused.html", message=sso.REASONS[reason]), status


def _redirect_to(provider, login_hint: str | None = None):
    """Send the person to the provider's authorization endpoint (Authlib adds state, nonce and PKCE)."""
    if sso.secret_missing(provider):
        current_app.logger.warning("SSO provider %s: its client secret's environment variable is empty", provider.id)
        return _refused("unavailable", 503)
    callback = url_for("auth.sso_callback", provider_id=provider.id, _external=True)
    extra = {"login_hint": login_hint} if login_hint else {}
    try:
        return sso.client_for(provider).authorize_redirect(callback, **extra)
    except (requests.RequestException, AuthlibBaseError, ValueError, KeyError):
        current_app.logger.warning("SSO provider %s: discovery failed", provider.id, exc_info=True)
        return _refused("unavailable", 503)


@bp.route("/sign-in/work-account", methods=["GET", "POST"])
def work_account():
    destination = sessions.safe_next(request.args.get("next"), url_for("site.home"))
    if current_user.is_authenticated:
        return redirect(destination)
    providers = sso.enabled_providers()
    form = WorkEmailForm()
    buttons = ButtonForm()
    if request.method == "POST" and request.form.get("provider"):
        if not buttons.validate_on_submit():
            abort(400)
        chosen = request.form.get("provider", "")
        provider = sso.enabled_provider(int(chosen)) if chosen.isdigit() and len(chosen) < 10 else None
        if provider is None or len(providers) > FEW_PROVIDERS:
            return _refused("invalid", 400)
        session[NEXT] = destination
        return _redirect_to(provider)
    unknown = False
    if form.validate_on_submit():
        provider = sso.provider_for_email(form.email.data or "")
        if provider is not None:
            session[NEXT] = destination
            return _redirect_to(provider, login_hint=form.email.data)
        unknown = True
    return render_template(
        "auth/work_account.html",
        form=form,
        buttons=buttons,
        unknown=unknown,
        providers=providers if len(providers) <= FEW_PROVIDERS else [],
    )


@bp.get("/sign-in/oidc/<int:provider_id>/callback")
def sso_callback(provider_id: int):
    provider = sso.enabled_provider(provider_id)
    if provider is None:
        return _refused("invalid", 400)
    client = sso.client_for(provider)
    try:
        token = client.authorize_access_token(
            claims_options={"iss": {"essential": True, "value": sso.normalise_issuer(provider.issuer)}},
            leeway=sso.LEEWAY_SECONDS,
        )
    except requests.RequestException:
        current_app.logger.warning("SSO provider %s: token request failed", provider.id, exc_info=True)
        return _refused("unavailable", 503)
    except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError):
        current_app.logger.info("SSO provider %s: callback refused", provider.id, exc_info=True)
        return _refused("invalid", 400)
    claims = token.get("userinfo")
    if not claims:  # no ID token (or no nonce in the state): nothing says who this is
        return _refused("invalid", 400)
    claims = dict(claims)
    linking = session.pop(LINKING, None)
    try:
        if linking is not None and current_user.is_authenticated and linking == current_user.id:
            sso.link_by_owner(current_user, provider, claims)
            db.session.commit()
            flash(_("Your work account is linked. You can sign in with it from now on."), "success")
            return redirect(url_for("auth.linked_accounts"))
        user = sso.sign_in_with(provider, claims)
    except sso.Refused as refused:
        return _refused(refused.reason)
    destination = sessions.safe_next(session.get(NEXT), url_for("site.home"))
    if current_user.is_authenticated:
        sessions.end()
    sessions.start(user)
    session[sso.SESSION_PROVIDER] = provider.id
    db.session.commit()
    flash(_("You are signed in."), "success")
    return redirect(destination)


@bp.get("/account/linked-accounts")
@login_required
def linked_accounts():
    return render_template(
        "auth/linked_accounts.html",
        identities=sso.identities_of(current_user),
        providers=sso.linkable_providers(current_user),
        form=ButtonForm(),
    )


@bp.post("/account/linked-accounts/link")
@login_required
def link_account():
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = request.form.get("provider", "")
    provider = next((p for p in sso.linkable_providers(current_user) if str(p.id) == chosen), None)
    if provider is None:
        abort(404)
    session[LINKING] = current_user.id
    return _redirect_to(provider)


@bp.post("/account/linked-accounts/<int:identity_id>/unlink")
@login_required
def unlink_account(identity_id: int):
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    if not sso.unlink(current_user, identity_id):
        abort(404)
    db.session.commit()
    flash(_("The work account is no longer linked to your account."), "success")
    return redirect(url_for("auth.linked_accounts"))
