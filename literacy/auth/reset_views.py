"""Password reset pages under /password-reset: asking for a link, and choosing a new password with it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, limiter
from . import bp, reset, sessions
from .forms import ForgotPasswordForm, ResetPasswordForm
from .words import duration


def _account_key() -> str:
    """The per-account limit is keyed on the address typed, whether or not it has an account."""
    return "reset:" + (request.form.get("email") or "").strip().lower()


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_ACCOUNT"], key_func=_account_key, methods=["POST"])
def forgot_password():
    """The same answer whether or not the address has an account (every POST counts towards the limits)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = (form.email.data or "").lower()
        reset.request_reset(email)  # queued in the outbox, sent after the commit
        db.session.commit()
        return render_template(
            "auth/forgot_password_sent.html", email=email, duration=duration(reset.valid_minutes())
        )
    return render_template("auth/forgot_password.html", form=form)


def _link_does_not_work(status: int):
    page = render_template("auth/reset_invalid.html", duration=duration(reset.valid_minutes()))
    return page, status, {"Referrer-Policy": "no-referrer"}


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password; every session of the account ends and this browser is signed in afresh."""
    found = reset.find(token)
    if found is None:
        return _link_does_not_work(404)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = reset.complete(found, form.password.data or "")
        if user is None:  # another request used the link first
            return _link_does_not_work(410)
        if current_user.is_authenticated:
            sessions.end()  # this browser may have been signed in as someone else
        sessions.start(user)
        db.session.commit()
        flash(_("Your password has been changed"), "success")
        return redirect(url_for("site.home"))
    page = render_template("auth/reset_password.html", form=form, email=reset.account_of(found).email)
    return page, 200, {"Referrer-Policy": "no-referrer"}
