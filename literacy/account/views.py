"""The "Your account" pages: only for the signed-in person, about their own account."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..auth import sessions, verification
from ..auth.words import duration
from ..extensions import csrf, db, limiter
from ..i18n import current_language
from ..models import User
from ..notifications import status as message_status
from . import bp, service
from .forms import ActionForm, EmailForm, LanguageForm, NameForm, NotificationsForm, PasswordForm


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
        elif service.change_email(_me(), form.password.data or "", new_email) is None:
            g.wrong_password = True
            form.password.errors = [_("Your current password is not right")]
        else:
            db.session.commit()  # the messages are sent after the commit: the Messages page shows how it went
            return _back_to_account(
                _(
                    "We are emailing a link to %(email)s: follow it to finish changing your email address.",
                    email=new_email,
                )
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
    verification.send_verification(_me())
    db.session.commit()
    return _back_to_account(
        _("We are emailing a link to %(email)s: follow it to confirm your email address.", email=current_user.email)
    )


# --- messages and optional emails -------------------------------------------------------------------------


@bp.get("/messages")
@login_required
def messages():
    """The messages sent to the person, with the real status of each (never a link from one)."""
    return render_template("account/messages.html", messages=message_status.messages_for(current_user.id))


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    """Which optional emails the person gets; messages about the account itself cannot be turned off."""
    me = _me()
    offered = service.offered_preferences(me)
    form = NotificationsForm()
    if not form.is_submitted():
        for name in offered:
            getattr(form, name).data = getattr(me, name)
    if form.validate_on_submit():
        service.set_notifications(me, {name: getattr(form, name).data for name in offered})
        db.session.commit()
        flash(_("Your choices of emails have been saved."), "success")
        return redirect(url_for("account.notifications"))
    return render_template(
        "account/notifications.html",
        form=form,
        offered=[(getattr(form, name), *message_status.PREFERENCES[name]) for name in offered],
    )


def unsubscribe(token: str):
    """``/unsubscribe/<token>``, from a link in an optional email, without signing in. GET shows what will
    stop and a button (a mail scanner opening the link changes nothing); POST turns it off. A mail
    client's RFC 8058 one-click POST (body ``List-Unsubscribe=One-Click``) carries no CSRF token: the
    signed token is the credential, and it can do nothing but turn that one kind of email off. Every
    other POST is CSRF-checked like any form."""
    found = service.stop_by_link(token)
    if found is None:
        return render_template("account/unsubscribe_invalid.html"), 404, NO_REFERRER
    user, preference = found
    label, hint = message_status.PREFERENCES[preference]
    if request.method == "POST":
        if request.form.get("List-Unsubscribe") != "One-Click":
            csrf.protect()
        service.stop(user, preference)
        db.session.commit()
        return render_template("account/unsubscribed.html", label=label), 200, NO_REFERRER
    return render_template("account/unsubscribe.html", label=label, hint=hint), 200, NO_REFERRER


NO_REFERRER = {"Referrer-Policy": "no-referrer"}  # the token is in the address


@bp.record_once
def _unsubscribe_route(state) -> None:  # type: ignore[no-untyped-def]
    """The link lives at /unsubscribe/<token>, outside /account (it is for people who are not signed in),
    under the endpoint ``account.unsubscribe``; exempt from the automatic CSRF check, done in the view."""
    csrf.exempt(unsubscribe)
    state.app.add_url_rule(
        "/unsubscribe/<token>", endpoint="account.unsubscribe", view_func=unsubscribe, methods=["GET", "POST"]
    )
