"""The words of the reminders and digests (``reminders`` queues them; ``compose`` turns these into email).

Each writer runs when its row's turn comes, in the recipient's language, and first asks again whether
the message is still needed, with the same rules the queueing used (``reminders.still_due``): work
completed since, a person removed from the cohort, an assignment taken away or its due date changed, a
certificate renewed or revoked, a manager who lost the role. Then it raises ``Skip`` and nothing is sent.

"Now" for those checks is never earlier than the moment the row was queued for, so a message queued for
a given moment (``flask notifications run --now``) is judged at that moment, and a late one at its
sending time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel import dates as babel_dates
from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, literal, select

from ..extensions import db
from ..i18n import FORMAT_LOCALES
from ..models import (
    Certificate,
    Cohort,
    CohortAssignment,
    CohortMember,
    Membership,
    Module,
    ModuleCompletion,
    ModuleVersion,
    Organisation,
    OutboxMessage,
    User,
    utcnow,
)
from ..models.types import UTCDateTime
from . import reminders
from .kinds import Skip, Written, kind

#: names listed in a digest per group before "and N more" (the dashboard has everyone)
DIGEST_NAMES = 30


def moment(message: OutboxMessage) -> datetime:
    """When to judge whether the message is still needed: now, or the moment it was queued for if later."""
    now = utcnow()
    return max(now, message.created_at) if message.created_at is not None else now


def _id(message: OutboxMessage, key: str) -> int:
    value = (message.context or {}).get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Skip(f"the message has no {key}")
    return value


def _language() -> str:
    locale = get_locale()
    language = locale.language if locale is not None else "en"
    return language if language in current_app.config["LANGUAGES"] else "en"


def _long(day: date) -> str:
    """The date written out ("15 March 2027"): in British English for English, as pages show it (the
    message runs under the bare language, whose default format would be American)."""
    language = _language()
    return babel_dates.format_date(day, "long", locale=FORMAT_LOCALES.get(language, language))


def _title(version: ModuleVersion) -> str:
    return str(version.text("title", _language()) or "")


def _module_link(module: Module) -> str:
    return url_for("learning.module", module_slug=module.slug, _external=True)


@dataclass(frozen=True)
class Work:
    """One person's due work on one assignment, as found again when the message is written."""

    cohort: Cohort
    organisation: Organisation
    module: Module
    version: ModuleVersion
    due_on: date
    kind: str  # 'assignment' or 'renewal'
    today: date


def _work(message: OutboxMessage) -> Work:
    """The work the reminder is about, or Skip when it is no longer due as it was when queued."""
    assignment_id = _id(message, "assignment_id")
    if message.user_id is None:
        raise Skip("the person's account no longer exists")
    assignment = db.session.get(CohortAssignment, assignment_id)
    if assignment is None:
        raise Skip("the module is no longer assigned to the cohort")
    at = moment(message)
    found = reminders.still_due(message.user_id, assignment_id, at)
    if found is None:
        raise Skip("nothing is due any more: completed, or no longer in the cohort")
    due_on, work_kind = found
    if due_on.isoformat() != (message.context or {}).get("due_on"):
        raise Skip("the due date changed since the reminder was queued")
    cohort = db.session.get(Cohort, assignment.cohort_id)
    organisation = db.session.get(Organisation, cohort.organisation_id) if cohort else None
    if cohort is None or organisation is None or organisation.archived_at is not None:
        raise Skip("the cohort or its organisation is gone or archived")
    module = db.session.get(Module, assignment.module_id)
    version = db.session.get(ModuleVersion, module.current_version_id) if module and module.current_version_id else None
    if module is None or version is None or module.status != "published":
        raise Skip("the module is no longer published")
    return Work(cohort, organisation, module, version, due_on, work_kind, reminders.local_date(at))


@kind("due_reminder", preference="notify_reminders")
def due_reminder(message: OutboxMessage, secret: str | None) -> Written:
    """Some days before a due date (the organisation's setting, 7 and 1 by default)."""
    work = _work(message)
    if work.due_on <= work.today:
        raise Skip("the due date has come: the overdue reminder takes over")
    names = {
        "module": _title(work.version),
        "cohort": work.cohort.name,
        "organisation": work.organisation.name,
        "date": _long(work.due_on),
    }
    days = (work.due_on - work.today).days
    left = _("That is tomorrow.") if days == 1 else _("That is in %(days)s days.", days=days)
    if work.kind == "renewal":
        return Written(
            subject=_("Reminder: renew your certificate for %(module)s by %(date)s", **names),
            paragraphs=[
                _("Your certificate for “%(module)s” needs renewing for %(cohort)s at %(organisation)s.", **names),
                _("Complete the module again by %(date)s.", **names) + " " + left,
            ],
            link=(_("Renew your certificate"), _module_link(work.module)),
        )
    return Written(
        subject=_("Reminder: %(module)s is due on %(date)s", **names),
        paragraphs=[
            _("%(organisation)s asked you to complete “%(module)s” as part of %(cohort)s.", **names),
            _("It is due on %(date)s.", **names) + " " + left,
            _("It takes about %(minutes)s minutes.", minutes=max(work.version.minutes or 0, 2)),
        ],
        link=(_("Continue learning"), _module_link(work.module)),
    )


@kind("overdue_reminder", preference="notify_reminders")
def overdue_reminder(message: OutboxMessage, secret: str | None) -> Written:
    """Weekly from the day after the due date until the work is done (when the organisation wants it)."""
    work = _work(message)
    if work.due_on >= work.today:
        raise Skip("the work is not overdue")
    if not work.organisation.overdue_reminders:
        raise Skip("the organisation turned overdue reminders off")
    names = {
        "module": _title(work.version),
        "cohort": work.cohort.name,
        "organisation": work.organisation.name,
        "date": _long(work.due_on),
    }
    weekly = _("You will get this reminder once a week until it is done.")
    if work.kind == "renewal":
        return Written(
            subject=_("Overdue: renew your certificate for %(module)s", **names),
            paragraphs=[
                _(
                    "Your certificate for “%(module)s” needed renewing by %(date)s for %(cohort)s at %(organisation)s.",
                    **names,
                ),
                _("Complete the module again as soon as you can to get a new certificate."),
            ],
            link=(_("Renew your certificate"), _module_link(work.module)),
            after=[weekly],
        )
    return Written(
        subject=_("Overdue: %(module)s was due on %(date)s", **names),
        paragraphs=[
            _("%(organisation)s asked you to complete “%(module)s” as part of %(cohort)s by %(date)s.", **names),
            _("It is now overdue. Complete it as soon as you can."),
        ],
        link=(_("Continue learning"), _module_link(work.module)),
        after=[weekly],
    )


@kind("expiry_reminder", preference="notify_renewals")
def expiry_reminder(message: OutboxMessage, secret: str | None) -> Written:
    """A certificate about to expire (the organisation's notice, 30 days by default)."""
    certificate = db.session.get(Certificate, _id(message, "certificate_id"))
    if certificate is None:
        raise Skip("the certificate no longer exists")
    if certificate.revoked_at is not None:
        raise Skip("the certificate was revoked")
    at = moment(message)
    if certificate.valid_until is None:
        raise Skip("the certificate no longer expires")
    if certificate.valid_until <= at:
        raise Skip("the certificate has expired: the renewal reminders take over")
    completion = db.session.get(ModuleCompletion, certificate.completion_id)
    renewed = db.session.scalar(
        select(func.count())
        .select_from(ModuleCompletion)
        .where(
            ModuleCompletion.user_id == completion.user_id,
            ModuleCompletion.module_id == completion.module_id,
            ModuleCompletion.id > completion.id,
        )
    )
    if renewed:
        raise Skip("the certificate was renewed")
    organisation = db.session.get(Organisation, message.organisation_id) if message.organisation_id else None
    if organisation is None or organisation.archived_at is not None:
        raise Skip("the organisation is gone or archived")
    if not _belongs(completion.user_id, organisation.id):
        raise Skip("the person is no longer in the organisation")
    module = db.session.get(Module, completion.module_id)
    version = db.session.get(ModuleVersion, module.current_version_id or completion.version_id)
    names = {
        "module": _title(version),
        "organisation": organisation.name,
        "date": _long(reminders.local_date(certificate.valid_until)),
    }
    return Written(
        subject=_("Your certificate for %(module)s expires on %(date)s", **names),
        paragraphs=[
            _("Your certificate for “%(module)s” expires on %(date)s.", **names),
            _("To keep it valid for %(organisation)s, complete the module again before then.", **names),
            _("You will get a new certificate. Your old one stays in your history."),
        ],
        link=(_("Renew your certificate"), _module_link(module)),
    )


def _belongs(user_id: int, organisation_id: int) -> bool:
    """A current member of one of the organisation's cohorts, or holding a role in it."""
    in_cohort = (
        select(CohortMember.id)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(
            CohortMember.user_id == user_id,
            CohortMember.removed_at.is_(None),
            Cohort.organisation_id == organisation_id,
        )
    )
    with_role = select(Membership.id).where(
        Membership.user_id == user_id, Membership.organisation_id == organisation_id
    )
    return db.session.execute(in_cohort.union_all(with_role).limit(1)).first() is not None


# --- the manager's weekly digest ---------------------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    """A cohort's week, for its managers: names of people newly overdue, completions, renewals due."""

    overdue: list[str]
    completed: list[str]
    renewals: list[str]

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.completed or self.renewals)


def cohort_week(cohort: Cohort, organisation: Organisation, starts: date, ends: date, now: datetime) -> Digest:
    """What happened in a cohort from ``starts`` to ``ends`` (exclusive), as names sorted for reading.

    Newly overdue: current members whose work fell due on a day that ended in the week (due on the day
    before the week began up to the day before it ended). Completed: current members' completions of the
    cohort's modules in the week (a name once per module completed). Renewals due: current members with a
    renewal due, or whose latest certificate for one of the cohort's modules expires within the
    organisation's notice period.
    """
    work = reminders.due_work(now, cohorts=[cohort.id]).subquery("work")
    member_name = (
        select(User.name)
        .select_from(work)
        .join(User, User.id == work.c.user_id)
        .where(
            work.c.cohort_id == cohort.id,
            work.c.due_on >= starts - timedelta(days=1),
            work.c.due_on < ends - timedelta(days=1),
        )
        .distinct()
    )
    overdue = sorted(db.session.scalars(member_name))
    completed = sorted(
        db.session.scalars(
            select(User.name)
            .select_from(ModuleCompletion)
            .join(User, User.id == ModuleCompletion.user_id)
            .join(
                CohortMember,
                and_(
                    CohortMember.user_id == ModuleCompletion.user_id,
                    CohortMember.cohort_id == cohort.id,
                    CohortMember.removed_at.is_(None),
                ),
            )
            .join(
                CohortAssignment,
                and_(
                    CohortAssignment.cohort_id == cohort.id,
                    CohortAssignment.module_id == ModuleCompletion.module_id,
                ),
            )
            .where(
                ModuleCompletion.completed_at >= reminders.local_midnight(starts),
                ModuleCompletion.completed_at < reminders.local_midnight(ends),
            )
        )
    )
    notice = organisation.expiry_notice_days or reminders.DEFAULT_EXPIRY_NOTICE_DAYS
    expiring = (
        select(User.name)
        .select_from(Certificate)
        .join(ModuleCompletion, ModuleCompletion.id == Certificate.completion_id)
        .join(User, User.id == ModuleCompletion.user_id)
        .join(
            CohortMember,
            and_(
                CohortMember.user_id == ModuleCompletion.user_id,
                CohortMember.cohort_id == cohort.id,
                CohortMember.removed_at.is_(None),
            ),
        )
        .join(
            CohortAssignment,
            and_(CohortAssignment.cohort_id == cohort.id, CohortAssignment.module_id == ModuleCompletion.module_id),
        )
        .where(
            reminders.latest_unrenewed(now),
            Certificate.valid_until <= _at(now + timedelta(days=notice)),
        )
    )
    renewal_work = (
        select(User.name)
        .select_from(work)
        .join(User, User.id == work.c.user_id)
        .where(work.c.cohort_id == cohort.id, work.c.kind == "renewal")
    )
    renewals = sorted(set(db.session.scalars(expiring.union(renewal_work))))
    return Digest(overdue, completed, renewals)


def _at(value: datetime) -> Any:
    return literal(value, UTCDateTime())


def _names(label: str, names: list[str]) -> str:
    shown = ", ".join(names[:DIGEST_NAMES])
    more = len(names) - DIGEST_NAMES
    if more > 0:
        shown = _("%(names)s and %(number)s more", names=shown, number=more)
    return _("%(label)s: %(names)s.", label=label, names=shown)


def _digest_dates(message: OutboxMessage) -> tuple[date, date]:
    context = message.context or {}
    try:
        return date.fromisoformat(context["starts_on"]), date.fromisoformat(context["ends_on"])
    except (KeyError, TypeError, ValueError):
        raise Skip("the message has no week") from None


@kind("manager_digest", preference="notify_digest")
def manager_digest(message: OutboxMessage, secret: str | None) -> Written:
    """Weekly, per cohort, to each of its organisation's managers and administrators who asked for it."""
    cohort = db.session.get(Cohort, _id(message, "cohort_id"))
    if cohort is None:
        raise Skip("the cohort no longer exists")
    organisation = db.session.get(Organisation, cohort.organisation_id)
    if organisation is None or organisation.archived_at is not None:
        raise Skip("the organisation is archived")
    still_manager = db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.user_id == message.user_id,
            Membership.organisation_id == organisation.id,
            Membership.role.in_(reminders.DIGEST_ROLES),
        )
    )
    if not still_manager:
        raise Skip("the person no longer manages the organisation's cohorts")
    starts, ends = _digest_dates(message)
    week = cohort_week(cohort, organisation, starts, ends, moment(message))
    if week.is_empty:
        raise Skip("nothing to report for the week")
    names = {
        "cohort": cohort.name,
        "organisation": organisation.name,
        "start": _long(starts),
        "end": _long(ends - timedelta(days=1)),
    }
    labels = (
        (_("Newly overdue"), week.overdue),
        (_("Completed this week"), week.completed),
        (_("Renewals due"), week.renewals),
    )
    return Written(
        subject=_("Weekly summary for %(cohort)s", **names),
        paragraphs=[_("What happened in %(cohort)s at %(organisation)s from %(start)s to %(end)s.", **names)],
        table=[(str(label), str(len(people))) for label, people in labels],
        link=(
            _("See the cohort dashboard"),
            url_for("cohorts.dashboard", org=organisation.slug, cohort_id=cohort.id, _external=True),
        ),
        after=[_names(str(label), people) for label, people in labels if people],
    )
