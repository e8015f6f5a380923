"""The page a verification link opens (/verify-email/<token>): anonymous or signed in, the link is the proof.

Following the link shows what it will do and a button, so a mail scanner that opens links cannot spend it.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from . import bp, verification
from .forms import ConfirmForm

NO_REFERRER = {"Referrer-Policy": "no-referrer"}


@bp.route("/verify-email/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    found = verification.pending(token)
    if found is None:
        return render_template("auth/verify_invalid.html"), 404, NO_REFERRER
    form = ConfirmForm()
    if form.validate_on_submit():
        result = verification.verify(token)
        if result.outcome == verification.TAKEN:
            return render_template("auth/verify_taken.html", email=result.email), 409, NO_REFERRER
        if result.outcome == verification.INVALID:  # another request used the link first
            return render_template("auth/verify_invalid.html"), 410, NO_REFERRER
        db.session.commit()
        if result.outcome == verification.CHANGED:
            flash(_("Your email address is now %(email)s. Use it to sign in.", email=result.email), "success")
        else:
            flash(_("Your email address %(email)s is confirmed", email=result.email), "success")
        signed_in_as_owner = current_user.is_authenticated and result.user and current_user.id == result.user.id
        return redirect(url_for("site.home" if signed_in_as_owner else "auth.sign_in"))
    return (
        render_template("auth/verify_email.html", form=form, email=found.email, change=verification.is_change(found)),
        200,
        NO_REFERRER,
    )
