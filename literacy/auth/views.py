from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, limiter
from . import bp, sessions, sso
from .forms import SignInForm
from .service import authenticate
from .words import duration


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


def _failed(response) -> bool:  # only refused sign-ins count towards the limits
    return response.status_code != 302


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def sign_in():
    destination = sessions.safe_next(request.args.get("next"), url_for("site.home"))
    if current_user.is_authenticated:
        return redirect(destination)
    signed_out = _why_signed_out(session.pop(sessions.SIGNED_OUT, None))
    form = SignInForm()
    failed = False
    work_account_only = False
    if form.validate_on_submit():
        email = form.email.data or ""
        if sso.sso_required_for_domain(email):  # said for the address alone, account or not
            work_account_only = True
            return _sign_in_page(form, failed, signed_out, work_account_only)
        user = authenticate(email, form.password.data or "")
        if user is not None and sso.sso_required_for(user):  # only once the password was right
            db.session.rollback()
            return _sign_in_page(form, failed, signed_out, True)
        if user is not None:
            sessions.start(user)
            db.session.commit()
            flash(_("You are signed in."), "success")
            return redirect(destination)
        failed = True
    return _sign_in_page(form, failed, signed_out, work_account_only)


def _sign_in_page(form: SignInForm, failed: bool, signed_out: str | None, work_account_only: bool):
    return render_template(
        "auth/sign_in.html",
        form=form,
        failed=failed,
        signed_out=signed_out,
        work_account_only=work_account_only,
        offers_work_account=bool(sso.enabled_providers()),
    )


def _why_signed_out(reason: str | None) -> str | None:
    """Why the last session ended by itself (``sessions.SIGNED_OUT``), said once on the sign-in page."""
    if reason == "idle":
        minutes = int(current_app.config.get("SESSION_IDLE_MINUTES") or 120)
        return _("You were signed out because you had not done anything for %(duration)s.", duration=duration(minutes))
    if reason == "expired":
        hours = int(current_app.config.get("SESSION_LIFETIME_HOURS") or 12)
        return _(
            "You were signed out because you signed in more than %(duration)s ago. Sign in again to carry on.",
            duration=duration(hours * 60),
        )
    if reason == "ended":
        return _(
            "You were signed out because your session was ended: you signed out everywhere, your password "
            "was changed or reset, or your account was switched off. Sign in again to carry on."
        )
    return None


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("site.home"))
        return render_template("auth/sign_out.html")
    # POST is CSRF-checked, so no other site can sign someone out.
    provider_id = session.get(sso.SESSION_PROVIDER)
    sessions.end()
    db.session.commit()
    flash(_("You are signed out."), "success")
    provider = sso.enabled_provider(provider_id) if isinstance(provider_id, int) else None
    endpoint = sso.end_session_endpoint(provider) if provider is not None else None
    if provider is not None and endpoint:
        back = url_for("site.home", _external=True)
        query = urlencode({"client_id": provider.client_id, "post_logout_redirect_uri": back})
        end_session_url = endpoint + ("&" if "?" in endpoint else "?") + query
        return render_template("auth/signed_out_sso.html", provider=provider, end_session_url=end_session_url)
    return redirect(url_for("site.home"))
