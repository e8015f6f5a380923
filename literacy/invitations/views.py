"""The invitation page: anonymous, because the link itself is the credential."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import sessions
from ..cohorts import membership
from ..extensions import db
from ..models import Organisation
from ..organisations import invitations
from . import bp
from .forms import AcceptInvitationForm, JoinForm


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Single use, expiring, stored hashed.

    Someone who already has an account must sign in as that account first; the link never sets the
    password of an existing account.
    """
    invitation = invitations.for_token(token)
    if invitation is None:
        return render_template("invitations/invalid.html"), 404
    organisation = db.session.get(Organisation, invitation.organisation_id)
    account = invitations.invitee_of(invitation.email)
    if account is not None and account.password_hash is not None:
        return _join_with_account(invitation, organisation, account)
    form = AcceptInvitationForm()
    if not form.is_submitted() and account is not None:
        form.name.data = account.name
    if form.validate_on_submit():
        user = membership.accept_invitation(invitation, form.name.data or "", form.password.data or "")
        sessions.start(user)
        db.session.commit()
        flash(_("Welcome. Your account is ready."), "success")
        return redirect(url_for("site.home"))
    return render_template("invitations/accept.html", form=form, invitation=invitation, organisation=organisation)


def _join_with_account(invitation, organisation, account):  # type: ignore[no-untyped-def]
    signed_in_as_invitee = current_user.is_authenticated and current_user.id == account.id
    form = JoinForm()
    if signed_in_as_invitee and form.validate_on_submit():
        membership.accept_invitation(invitation)
        db.session.commit()
        flash(_("You have joined %(organisation)s", organisation=organisation.name), "success")
        return redirect(url_for("site.home"))
    return render_template(
        "invitations/accept_existing.html",
        form=form,
        invitation=invitation,
        organisation=organisation,
        signed_in_as_invitee=signed_in_as_invitee,
    )
