"""An organisation's LRS: its settings, what was sent and what failed, and resending. Its administrators (and
site administrators) only: the settings decide where learners' records go."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import pagination
from ..auth.access import organisation_role_required
from ..extensions import db
from ..models import STATEMENT_KINDS, Organisation, Role
from . import bp, record, sending, service
from .forms import LrsSettingsForm, ResendForm, kind_labels


@bp.route("/<org>/xapi", methods=["GET", "POST"])
@organisation_role_required(Role.ORG_ADMIN)
def settings(organisation: Organisation):
    connection = service.connection_of(organisation)
    form = LrsSettingsForm()
    if not form.is_submitted():
        form.is_enabled.data = connection.is_enabled if connection else True
        form.endpoint.data = connection.endpoint if connection else ""
        form.username_env.data = connection.username_env if connection else ""
        form.password_env.data = connection.password_env if connection else ""
        form.kinds.data = list(connection.kinds) if connection else list(STATEMENT_KINDS)
        form.actor.data = connection.actor if connection else "account"
    elif form.validate():
        changed = service.save(
            current_user,
            organisation,
            endpoint=form.checked_endpoint,
            username_env=form.username_env.data or "",
            password_env=form.password_env.data or "",
            kinds=list(form.kinds.data or []),
            who=form.actor.data or "account",
            is_enabled=bool(form.is_enabled.data),
        )
        db.session.commit()
        record.clear_cache()
        flash(_("LRS settings saved") if changed else _("Nothing was changed"), "success")
        return redirect(url_for("xapi.settings", org=organisation.slug))
    return render_template(
        "xapi/settings.html",
        organisation=organisation,
        form=form,
        connection=connection,
        variables=service.variables_set(connection),
        counts=sending.counts(organisation.id),
        errors=service.last_errors(organisation),
        resend=ResendForm(),
        kinds=dict(kind_labels()),
    )


@bp.get("/<org>/xapi/statements")
@organisation_role_required(Role.ORG_ADMIN)
def statements(organisation: Organisation):
    status = request.args.get("status", "")
    if status not in service.FILTERS:
        status = ""
    page = db.paginate(
        service.statements(organisation, status),
        page=pagination.page_number(request.args),
        per_page=service.PER_PAGE,
        error_out=False,
    )
    return render_template(
        "xapi/statements.html",
        organisation=organisation,
        page=page,
        status=status,
        counts=sending.counts(organisation.id),
        resend=ResendForm(),
    )


@bp.post("/<org>/xapi/resend")
@organisation_role_required(Role.ORG_ADMIN)
def resend(organisation: Organisation):
    form = ResendForm()
    if form.validate():
        ids = sending.resend_failed(organisation.id)
        if ids:
            service.record_resend(current_user, organisation, ids)
        db.session.commit()
        record.hand_over(ids)
        flash(_("Failed statements queued to be sent again") if ids else _("No statements had failed"), "success")
    return redirect(url_for("xapi.statements", org=organisation.slug, status="failed"))
