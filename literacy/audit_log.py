"""The read side of the audit log (``audit.record`` writes it): filters, a page of events in plain words,
and the same rows as a CSV.

Neutral, so the site administrators' page (``/admin/audit``, every event) and an organisation's page
(``/organisations/<org>/audit``, only its events) share one query and one way of describing an event.
Filters arrive as the GET form's arguments (a shareable URL); nothing here reads the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import AtrsRecord, AuditEvent, Cohort, Invitation, Organisation, SelfAssessment, User
from .tables import Column, Table

#: a label per action, in plain words; an action missing here is shown as it is stored
ACTION_LABELS: dict[str, Any] = {
    "account.site_admin_set": _l("Made a site administrator"),
    "organisation.archived": _l("Organisation archived"),
    "organisation.created": _l("Organisation created"),
    "organisation.renamed": _l("Organisation renamed"),
    "organisation.reminders_changed": _l("Reminder settings changed"),
    "organisation.role_granted": _l("Role given"),
    "organisation.theme_changed": _l("Organisation theme changed"),
    "organisation.unarchived": _l("Organisation taken out of the archive"),
    "xapi.resent": _l("Failed xAPI statements sent again"),
    "xapi.settings_changed": _l("LRS (xAPI) settings changed"),
    "sso.account_created": _l("Account created at first work-account sign-in"),
    "sso.identity_linked": _l("Work account linked"),
    "sso.identity_unlinked": _l("Work account unlinked"),
    "sso.provider_created": _l("Identity provider added"),
    "sso.provider_changed": _l("Identity provider changed"),
    "sso.required_changed": _l("Work-account sign-in requirement changed"),
    "account.activated": _l("Account reactivated"),
    "account.deactivated": _l("Account deactivated"),
    "account.email_change_requested": _l("Asked to change email address"),
    "account.email_changed": _l("Email address changed"),
    "account.email_verified": _l("Email address confirmed"),
    "account.language_changed": _l("Language changed"),
    "account.password_changed": _l("Password changed"),
    "account.password_reset": _l("Password reset"),
    "account.password_reset_requested": _l("Password reset link asked for"),
    "account.password_reset_sent": _l("Password reset link sent"),
    "account.renamed": _l("Name changed"),
    "account.signed_out_other_devices": _l("Signed out on other devices"),
    "admin.site_admin_granted": _l("Made a site administrator"),
    "admin.site_admin_revoked": _l("No longer a site administrator"),
    "auth.forgot_password": _l("Password reset link asked for"),
    "certificate.revoked": _l("Certificate revoked"),
    "cohort.created": _l("Cohort created"),
    "cohort.member_left": _l("Left a cohort"),
    "cohort.member_removed": _l("Removed from a cohort"),
    "cohort.members_added": _l("People added to a cohort"),
    "cohort.module_assigned": _l("Module assigned"),
    "cohort.module_unassigned": _l("Module no longer assigned"),
    "cohort.updated": _l("Cohort details changed"),
    "invitation.accepted": _l("Invitation accepted"),
    "invitation.cancelled": _l("Invitation cancelled"),
    "invitation.created": _l("Invitation made"),
    "invitation.declined": _l("Invitation declined"),
    "organisation.roles_changed": _l("Roles changed"),
    "assessment.created": _l("Self-assessment started"),
    "assessment.details_changed": _l("Self-assessment's name or description changed"),
    "assessment.answers_saved": _l("Self-assessment answers saved"),
    "assessment.team_changed": _l("Self-assessment team changed"),
    "assessment.published": _l("Self-assessment published in the organisation"),
    "assessment.unpublished": _l("Self-assessment made private to its team"),
    "assessment.atrs_linked": _l("ATRS draft linked to a self-assessment"),
    "assessment.atrs_unlinked": _l("ATRS draft unlinked from a self-assessment"),
    "atrs.created": _l("ATRS draft record started"),
    "atrs.section_saved": _l("ATRS draft section saved"),
    "atrs.shared": _l("ATRS draft shared with the organisation"),
    "atrs.unshared": _l("ATRS draft no longer shared"),
}

#: words for the details' keys; other keys are shown as they are stored
DETAIL_LABELS: dict[str, Any] = {
    "email": _l("Email address"),
    "emails": _l("Email addresses"),
    "name": _l("Name"),
    "previous": _l("Before"),
    "roles": _l("Roles"),
    "role": _l("Role"),
    "sessions_ended": _l("Sessions ended"),
    "old_email": _l("Old email address"),
    "new_email": _l("New email address"),
    "language": _l("Language"),
    "module": _l("Module"),
    "due_on": _l("Due"),
    "copied": _l("Link copied instead of emailed"),
    "reason": _l("Reason"),
    "days_before": _l("Days before a due date"),
    "overdue_reminders": _l("Weekly overdue reminders"),
    "expiry_notice_days": _l("Days before a certificate expires"),
    "section": _l("Section"),
    "questions": _l("Questions"),
    "added": _l("Added"),
    "removed": _l("Removed"),
    "record": _l("ATRS draft record"),
}

PER_PAGE = 50
MAX_TEXT = 254


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@dataclass
class Filters:
    """What the filter form asked for, as typed (so the form shows it again), and what it means."""

    organisation: str = ""  # an organisation's slug (site administrators only)
    actor: str = ""  # part of the actor's email address
    action: str = ""
    date_from: str = ""
    date_to: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field id, message) for the summary
    starts: date | None = None
    ends: date | None = None

    def error(self, field_id: str) -> str | None:
        return next((message for name, message in self.errors if name == field_id), None)

    def args(self) -> dict[str, str]:
        """The filters as URL arguments (for pagination and the CSV link), empty ones left out."""
        values = {
            "organisation": self.organisation,
            "actor": self.actor,
            "action": self.action,
            "from": self.date_from,
            "to": self.date_to,
        }
        return {key: value for key, value in values.items() if value}


def parse_date(text: str) -> date | None:
    """``2026-12-01`` (what a date field sends) or ``1/12/2026`` (day first, as typed in Britain).

    Years outside 1900-2999 are refused like any other non-date: the log holds none, and a day at the
    calendar's edge (31/12/9999) would overflow when the filter takes the next midnight.
    """
    text = text.strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y"):
        try:
            day = datetime.strptime(text, form).date()
        except ValueError:
            continue
        return day if 1900 <= day.year <= 2999 else None
    return None


def read_filters(args: Mapping[str, str]) -> Filters:
    """The filters from the form's arguments; a date that is not a date is an error, kept as typed."""
    filters = Filters(
        organisation=(args.get("organisation") or "").strip()[:80],
        actor=(args.get("actor") or "").strip()[:MAX_TEXT],
        action=(args.get("action") or "").strip()[:80],
        date_from=(args.get("from") or "").strip()[:40],
        date_to=(args.get("to") or "").strip()[:40],
    )
    if filters.date_from:
        filters.starts = parse_date(filters.date_from)
        if filters.starts is None:
            filters.errors.append(("from", str(_l("Enter the ‘from’ date as a real date, like 1/12/2026"))))
    if filters.date_to:
        filters.ends = parse_date(filters.date_to)
        if filters.ends is None:
            filters.errors.append(("to", str(_l("Enter the ‘to’ date as a real date, like 31/12/2026"))))
    if filters.starts and filters.ends and filters.ends < filters.starts:
        filters.errors.append(("to", str(_l("The ‘to’ date must be the same as or after the ‘from’ date"))))
    return filters


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` where the site is (its dates are the site's days, not UTC's)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))


def events_query(filters: Filters, organisation: Organisation | None = None) -> Select:
    """Events, newest first (their actors loaded with them), for the caller to paginate.

    ``organisation`` confines the log to one organisation's events (an organisation administrator's
    page; the index on ``(organisation_id, at)`` serves it); without it the organisation filter applies.
    A filter with an error is not applied (the page shows the error and the unfiltered rest).
    """
    query = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if organisation is not None:
        query = query.where(AuditEvent.organisation_id == organisation.id)
    elif filters.organisation:
        query = query.where(
            AuditEvent.organisation_id.in_(select(Organisation.id).where(Organisation.slug == filters.organisation))
        )
    if filters.actor:
        term = filters.actor.lower()
        query = query.where(AuditEvent.actor_id.in_(select(User.id).where(User.email.contains(term, autoescape=True))))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.starts and not filters.error("from"):
        query = query.where(AuditEvent.at >= _start_of(filters.starts))
    if filters.ends and not filters.error("to") and not filters.error("from"):
        query = query.where(AuditEvent.at < _start_of(filters.ends + timedelta(days=1)))
    return query


def actions(organisation: Organisation | None = None) -> list[tuple[str, str]]:
    """(action, label) for every action in the log (of one organisation), by label: the filter's list."""
    query = select(AuditEvent.action).distinct()
    if organisation is not None:
        query = query.where(AuditEvent.organisation_id == organisation.id)
    return sorted(((action, action_label(action)) for action in db.session.scalars(query)), key=lambda a: a[1])


def organisations() -> list[tuple[str, str]]:
    """(slug, name) of every organisation, by name: the site administrators' organisation filter."""
    rows = db.session.execute(select(Organisation.slug, Organisation.name).order_by(Organisation.name))
    return [(slug, name) for slug, name in rows]


@dataclass(frozen=True)
class Line:
    """One event in plain words."""

    at: datetime
    organisation: str
    actor: str  # name, or "" for the system (a command, or an account since deleted)
    actor_email: str
    action: str
    target: str
    details: list[tuple[str, str]]


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    return "" if value is None else str(value)


def _targets(events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """A name for each event's target: one query per kind of target, whatever the number of events."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.target_id.isdigit():
            wanted.setdefault(event.target_type, set()).add(int(event.target_id))
    names: dict[tuple[str, str], str] = {}
    if wanted.get("user"):
        rows = db.session.execute(select(User.id, User.name, User.email).where(User.id.in_(wanted["user"])))
        for id_, name, email in rows:
            names[("user", str(id_))] = f"{name} ({email})"
    if wanted.get("cohort"):
        for id_, name in db.session.execute(select(Cohort.id, Cohort.name).where(Cohort.id.in_(wanted["cohort"]))):
            names[("cohort", str(id_))] = name
    if wanted.get("invitation"):
        query = select(Invitation.id, Invitation.email).where(Invitation.id.in_(wanted["invitation"]))
        for id_, email in db.session.execute(query):
            names[("invitation", str(id_))] = str(_l("Invitation to %(email)s", email=email))
    if wanted.get("self_assessment"):
        ids = wanted["self_assessment"]
        query = select(SelfAssessment.id, SelfAssessment.system_name).where(SelfAssessment.id.in_(ids))
        for id_, name in db.session.execute(query):
            names[("self_assessment", str(id_))] = name
    if wanted.get("atrs_record"):
        query = select(AtrsRecord.id, AtrsRecord.name).where(AtrsRecord.id.in_(wanted["atrs_record"]))
        for id_, name in db.session.execute(query):
            names[("atrs_record", str(id_))] = name
    if wanted.get("organisation"):
        rows = db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted["organisation"]))
        )
        for id_, name in rows:
            names[("organisation", str(id_))] = name
    return names


def lines(events: list[AuditEvent]) -> list[Line]:
    """Events (a page of :func:`events_query`) in plain words; one query for their organisations' names and
    one per kind of target."""
    targets = _targets(events)
    wanted = {event.organisation_id for event in events if event.organisation_id is not None}
    names: dict[int, str] = {}
    if wanted:
        query = select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
        names = {id_: name for id_, name in db.session.execute(query)}
    found = []
    for event in events:
        actor = event.actor
        details = [(str(DETAIL_LABELS.get(key, key)), _value(value)) for key, value in (event.details or {}).items()]
        found.append(
            Line(
                at=event.at,
                organisation=names.get(event.organisation_id, "") if event.organisation_id is not None else "",
                actor=actor.name if actor is not None else "",
                actor_email=actor.email if actor is not None else "",
                action=action_label(event.action),
                target=targets.get((event.target_type, event.target_id), f"{event.target_type} {event.target_id}"),
                details=details,
            )
        )
    return found


def table(events: list[AuditEvent]) -> Table:
    """The events as a :class:`Table` for ``exports.csv_response``: every cell, headings included, is
    escaped on the way out (names, emails and details come from people)."""
    columns = [
        Column("at", _l("When")),
        Column("organisation", _l("Organisation")),
        Column("actor", _l("Who")),
        Column("actor_email", _l("Their email address")),
        Column("action", _l("What happened")),
        Column("target", _l("To what or whom")),
        Column("details", _l("Details")),
    ]
    data = [
        [
            format_datetime(line.at, "yyyy-MM-dd HH:mm"),
            line.organisation,
            line.actor,
            line.actor_email,
            line.action,
            line.target,
            "; ".join(f"{key}: {value}" for key, value in line.details),
        ]
        for line in lines(events)
    ]
    return Table("audit", str(_l("Audit log")), columns, data)
