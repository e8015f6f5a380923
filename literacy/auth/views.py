from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, limiter
from . import bp, sessions
from .forms import SignInForm
from .service import authenticate


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
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            sessions.start(user)
            db.session.commit()
            flash(_("You are signed in."), "success")
            return redirect(destination)
        failed = True
    return render_template("auth/sign_in.html", form=form, failed=failed)


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("site.home"))
        return render_template("auth/sign_out.html")
    # POST is CSRF-checked, so no other site can sign someone out.
    sessions.end()
    db.session.commit()
    flash(_("You are signed out."), "success")
    return redirect(url_for("site.home"))
