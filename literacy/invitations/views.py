"""The invitation page: anonymous, because the link itself is the credential.

A new address creates its account here. An address that already has an account must sign in as it
first, and the link never changes that account's password or name. The page says who is inviting, to
which cohort, and exactly what that organisation's managers will see, and the person can decline.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..auth import sessions
from ..cohorts import membership
from ..cohorts import service as cohorts
from ..extensions import db
from ..i18n import current_language
from ..models import Invitation, Organisation, User
from ..organisations import invitations
from . import bp
from .forms import AcceptInvitationForm, DeclineForm, JoinForm


def _does_not_work():
    """Used, declined, cancelled, replaced, expired or never issued: one clear page with the next step."""
    return render_template("invitations/invalid.html"), 404


def _modules(invitation: Invitation) -> list[tuple[str, str]]:
    """The cohort's assigned modules as (title, language of the title), for the consent text."""
    if invitation.cohort is None:
        return []
    language = current_language()
    found = []
    for _assignment, module, version in cohorts.assignments(invitation.cohort):
        if version is None:
            found.append((module.slug, "en"))
        else:
            shown = language if version.texts.get(language, {}).get("title") else version.language
            found.append((version.text("title", shown), shown))
    return found


def _page(template: str, token: str, invitation: Invitation, account: User | None, **context):  # type: ignore[no-untyped-def]
    return render_template(
        template,
        token=token,
        invitation=invitation,
        plan=invitations.plan(invitation, account),
        modules=_modules(invitation),
        **context,
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    invitation = invitations.for_token(token)
    if invitation is None:
        return _does_not_work()
    account = invitations.invitee_of(invitation.email)
    if account is not None:
        return _join_with_account(token, invitation, account)
    form = AcceptInvitationForm()
    if not form.is_submitted():
        form.name.data = invitation.name
    if form.validate_on_submit():
        try:
            user = membership.accept_invitation(
                invitation, name=form.name.data or "", password=form.password.data or ""
            )
        except (IntegrityError, invitations.AccountExists):  # another link made the account just now: sign in
            db.session.rollback()
            return redirect(url_for("invitations.accept", token=token))
        if user is None:  # someone else used the link first
            return _does_not_work()
        sessions.start(user)
        db.session.commit()
        flash(_("Welcome. Your account is ready."), "success")
        return redirect(url_for("site.home"))
    return _page("invitations/accept.html", token, invitation, None, form=form, errors=form.errors_in_page_order())


def _join_with_account(token: str, invitation: Invitation, account: User):  # type: ignore[no-untyped-def]
    signed_in_as_invitee = current_user.is_authenticated and current_user.id == account.id
    form = JoinForm()
    if signed_in_as_invitee and form.validate_on_submit():
        if membership.accept_invitation(invitation, account=account) is None:
            return _does_not_work()
        db.session.commit()
        if invitation.cohort is not None:
            flash(_("You have joined “%(cohort)s”", cohort=invitation.cohort.name), "success")
            return redirect(url_for("learning.my_learning"))
        organisation = db.session.get(Organisation, invitation.organisation_id)
        flash(_("You have joined %(organisation)s", organisation=organisation.name), "success")
        return redirect(url_for("site.home"))
    return _page(
        "invitations/accept_existing.html",
        token,
        invitation,
        account,
        form=form,
        signed_in_as_invitee=signed_in_as_invitee,
        signed_in_as_other=current_user.is_authenticated and not signed_in_as_invitee,
    )


@bp.route("/invitations/<token>/decline", methods=["GET", "POST"])
def decline(token: str):
    """Confirm, then decline. Anyone holding the link may decline: it shares nothing and grants nothing."""
    invitation = invitations.for_token(token)
    if invitation is None:
        return _does_not_work()
    form = DeclineForm()
    if form.validate_on_submit():
        actor = current_user if current_user.is_authenticated else None
        if not invitations.decline(invitation, actor):
            return _does_not_work()
        db.session.commit()
        return _page("invitations/declined.html", token, invitation, None)
    return _page("invitations/decline.html", token, invitation, None, form=form)
