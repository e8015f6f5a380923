"""An organisation's reminder settings: when learners are reminded of due and overdue work and told of
certificates about to expire. Its administrators (and site administrators) change them; managers run
cohorts but do not set the organisation's rules, so the page refuses them like other organisation settings."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import organisation_role_required
from ..extensions import db
from ..models import Organisation, Role
from ..notifications import reminders
from . import bp
from .reminder_forms import ReminderSettingsForm


@bp.route("/<org>/reminders", methods=["GET", "POST"])
@organisation_role_required(Role.ORG_ADMIN)
def reminder_settings(organisation: Organisation):
    form = ReminderSettingsForm()
    if not form.is_submitted():
        form.days_before.data = ", ".join(
            str(day) for day in sorted(reminders.days_before(organisation.reminder_days_before), reverse=True)
        )
        form.overdue_reminders.data = bool(organisation.overdue_reminders)
        form.expiry_notice_days.data = str(organisation.expiry_notice_days or reminders.DEFAULT_EXPIRY_NOTICE_DAYS)
    elif form.validate():
        changed = reminders.change_settings(
            current_user,
            organisation,
            days=form.parsed_days,
            overdue=bool(form.overdue_reminders.data),
            expiry_days=form.parsed_expiry,
        )
        db.session.commit()
        flash(_("Reminder settings saved") if changed else _("Nothing was changed"), "success")
        return redirect(url_for("organisations.reminder_settings", org=organisation.slug))
    return render_template("organisations/reminders.html", organisation=organisation, form=form)
