"""The "Your account" pages: only for the signed-in person, about their own account."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import mail
from ..auth import sessions, verification
from ..auth.words import duration
from ..extensions import db, limiter
from ..i18n import current_language
from ..models import User
from . import bp, service
from .forms import ActionForm, EmailForm, LanguageForm, NameForm, PasswordForm


def _me() -> User:
    """The signed-in account itself (services record it in the audit log, which needs the model)."""
    return current_user._get_current_object()


def _password_key() -> str:
    return f"account-password:{getattr(current_user, 'id', None)}"


def _wrong_password(response) -> bool:  # type: ignore[no-untyped-def]
    return bool(g.get("wrong_password"))


#: a stolen signed-in browser must not become a way to guess the password: wrong current passwords on the
#: email and password pages count like failed sign-ins of the account (``LITERACY_SIGN_IN_LIMIT_ACCOUNT``)
password_guesses = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_ACCOUNT"],
    scope="account-password",
    key_func=_password_key,
    methods=["POST"],
    deduct_when=_wrong_password,
)


def _back_to_account(message: str):  # type: ignore[no-untyped-def]
    flash(message, "success")
    return redirect(url_for("account.show"))


@bp.get("")
@login_required
def show():
    devices, others = service.devices(_me())
    return render_template(
        "account/show.html",
        user=current_user,
        devices=devices,
        others=others,
        idle=duration(int(sessions.idle_limit().total_seconds()) // 60),
        lifetime=duration(int(sessions.lifetime().total_seconds()) // 60),
        form=ActionForm(),
    )


@bp.route("/name", methods=["GET", "POST"])
@login_required
def name():
    form = NameForm()
    if not form.is_submitted():
        form.name.data = current_user.name
    if form.validate_on_submit():
        service.rename(_me(), form.name.data or "")
        db.session.commit()
        return _back_to_account(_("Your name has been changed."))
    return render_template("account/name.html", form=form)


@bp.route("/email", methods=["GET", "POST"])
@login_required
@password_guesses
def email():
    """The address changes only when the link sent to it is followed; the answer is the same whether or not
    the new address has an account, so this page cannot be used to find out who has one."""
    form = EmailForm()
    if form.validate_on_submit():
        new_email = (form.email.data or "").lower()
        if new_email == current_user.email:
            form.email.errors = [_("Enter a different email address from the one you use now")]
        elif (letters := service.change_email(_me(), form.password.data or "", new_email)) is None:
            g.wrong_password = True
            form.password.errors = [_("Your current password is not right")]
        else:
            db.session.commit()
            mail.deliver(current_app.config, letters)
            return _back_to_account(
                _("We have sent a link to %(email)s: follow it to finish changing your email address.", email=new_email)
            )
    return render_template("account/email.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@password_guesses
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if service.change_password(_me(), form.current.data or "", form.password.data or ""):
            db.session.commit()
            return _back_to_account(_("Your password has been changed. Any other devices have been signed out."))
        g.wrong_password = True
        form.current.errors = [_("Your current password is not right")]
    return render_template("account/password.html", form=form)


@bp.route("/language", methods=["GET", "POST"])
@login_required
def language():
    form = LanguageForm()
    if not form.is_submitted():
        form.language.data = current_user.locale or current_language()  # the page's language is the answer so far
    if form.validate_on_submit():
        code = form.language.data or ""
        service.set_language(_me(), code)
        session["locale"] = code
        db.session.commit()
        return _back_to_account(_("Your language has been changed."))
    return render_template("account/language.html", form=form)


@bp.post("/sign-out-other-devices")
@login_required
def sign_out_other_devices():
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.show"))
    ended = service.sign_out_other_devices(_me())
    db.session.commit()
    if not ended:
        return _back_to_account(_("You were not signed in on any other device."))
    return _back_to_account(
        ngettext(
            "You have been signed out on %(num)s other device.",
            "You have been signed out on %(num)s other devices.",
            ended,
        )
    )


@bp.post("/verification")
@login_required
def send_verification():
    """A new verification link for the address the account has now."""
    form = ActionForm()
    if not form.validate_on_submit() or current_user.is_email_verified:
        return redirect(url_for("account.show"))
    letter = verification.verification_letter(_me())
    db.session.commit()
    mail.deliver(current_app.config, [letter])
    return _back_to_account(_("We have sent a link to %(email)s: follow it to confirm your email address.",
                              email=current_user.email))
