"""What pages say about a message: one owner of the words for its status and its kind, and the queries
that read them (a person's messages, an invitation list's emails).

A page never says "sent" unless an SMTP server accepted the message (``OutboxMessage.status`` "sent").
Reasons kept in ``last_error`` are written for the log, in English; pages show a short translated
reason chosen from them, never the raw text, and never the message's context or secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..bulk import among
from ..extensions import db
from ..models import Invitation, OutboxMessage
from . import account_messages as account

#: what a page calls each kind, in plain words (other areas' kinds fall back to "Message")
KIND_LABELS = {
    account.INVITATION: _l("Invitation"),
    account.PASSWORD_RESET: _l("Password reset link"),
    account.EMAIL_VERIFICATION: _l("Email address confirmation"),
    account.EMAIL_CHANGE_CONFIRM: _l("Message to your new email address"),
    account.EMAIL_CHANGE_TAKEN: _l("Message to your new email address"),
    account.EMAIL_CHANGE_NOTICE: _l("Notice of an email address change"),
    # the reminders' kinds (notifications.reminders)
    "due_reminder": _l("Reminder of a due date"),
    "overdue_reminder": _l("Reminder of overdue learning"),
    "expiry_reminder": _l("Certificate expiry notice"),
    "manager_digest": _l("Weekly digest of your cohorts"),
    # notifications.team_messages
    "assessment_team_added": _l("Added to a self-assessment team"),
}

#: the optional messages a person can turn off (``User`` columns, as ``notifications.unsubscribe``): what
#: each is called on the settings page and on the page a one-click link opens, and what it covers
PREFERENCES = {
    "notify_reminders": (
        _l("Reminders of due and overdue work"),
        _l("Before a due date, and each week while learning assigned to you is overdue."),
    ),
    "notify_renewals": (
        _l("Certificate expiry notices"),
        _l("When a certificate of yours is about to expire and the module needs doing again."),
    ),
    "notify_digest": (
        _l("Weekly digest of the cohorts I manage"),
        _l("Who became overdue, who completed and which renewals are due, once a week."),
    ),
}

#: how many messages a person's page lists (the newest)
RECENT = 50


@dataclass(frozen=True)
class Status:
    """A message's status as a page shows it: a tag's words and colour, and the row's code."""

    code: str  # queued, retrying, sending, sent, not_sent, failed, skipped
    label: str
    colour: str  # a tag colour of _macros.tag

    @property
    def is_sent(self) -> bool:
        return self.code == "sent"


def reason(last_error: str | None) -> str:
    """A short reason for a failure, in the reader's language, from the log's English text."""
    text = (last_error or "").lower()
    if "could not be reached" in text:
        return str(_l("the mail server could not be reached"))
    if "refused the address" in text:
        return str(_l("the mail server refused the address"))
    if "answered" in text:
        return str(_l("the mail server refused the message"))
    if "could not be written" in text:
        return str(_l("the message could not be written"))
    return str(_l("see the log for the reason"))


def describe(
    status: str, attempts: int = 0, last_error: str | None = None, finished_at: datetime | None = None
) -> Status:
    """The tag for a row's status. "Retrying" is a queued row that has already failed at least once."""
    if status == "sent":
        when = format_date(finished_at, "long") if finished_at else ""
        return Status("sent", str(_l("Sent %(date)s", date=when)) if when else str(_l("Sent")), "green")
    if status == "not_sent":
        return Status("not_sent", str(_l("Not sent: no mail server is configured")), "yellow")
    if status == "failed":
        return Status("failed", str(_l("Failed: %(reason)s", reason=reason(last_error))), "red")
    if status == "skipped":
        return Status("skipped", str(_l("Not sent: no longer needed")), "grey")
    if status == "sending":
        return Status("sending", str(_l("Sending")), "blue")
    if attempts > 0:
        return Status("retrying", str(_l("Retrying: %(reason)s", reason=reason(last_error))), "yellow")
    return Status("queued", str(_l("Queued")), "grey")


def of(message: OutboxMessage) -> Status:
    return describe(message.status, message.attempts, message.last_error, message.finished_at)


@dataclass(frozen=True)
class Listed:
    """One message on a person's page: what it was, to which address, when, and where it stands."""

    id: int
    kind: str  # the kind in plain words
    subject: str
    recipient: str
    created_at: datetime
    status: Status


def kind_label(name: str) -> str:
    return str(KIND_LABELS.get(name, _l("Message")))


def messages_for(user_id: int, limit: int = RECENT) -> list[Listed]:
    """The newest messages to a person (to any of their addresses), newest first; one query.

    The two messages that can go to a new address show only their shared kind, not their subjects: the
    subject would tell the person whether that address already has an account.
    """
    rows = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.subject,
            OutboxMessage.recipient,
            OutboxMessage.created_at,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.finished_at,
        )
        .where(OutboxMessage.user_id == user_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    listed = []
    for row in rows:
        label = kind_label(row.kind)
        subject = label if row.kind in account.TO_NEW_ADDRESS or not row.subject else row.subject
        listed.append(
            Listed(
                row.id,
                label,
                subject,
                row.recipient,
                row.created_at,
                describe(row.status, row.attempts, row.last_error, row.finished_at),
            )
        )
    return listed


def statuses(message_ids: Iterable[int | None]) -> dict[int, Status]:
    """The status of each of these outbox rows (an invitation list's emails), in one query."""
    wanted = [number for number in set(message_ids) if number is not None]
    if not wanted:
        return {}
    rows = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.finished_at,
        ).where(among(OutboxMessage.id, wanted))
    )
    return {row.id: describe(row.status, row.attempts, row.last_error, row.finished_at) for row in rows}


def invitation_statuses(invitations: Iterable[Invitation]) -> dict[int, Status]:
    """Each invitation's email as the managers' list shows it (one query for them all). A link shown to a
    manager to copy was not emailed; an invitation from before the outbox shows its recorded time."""
    invitations = list(invitations)
    emailed = statuses(invitation.message_id for invitation in invitations)
    found = {}
    for invitation in invitations:
        if invitation.message_id is not None and invitation.message_id in emailed:
            found[invitation.id] = emailed[invitation.message_id]
        elif invitation.link_copied_at is not None:
            found[invitation.id] = Status("copied", str(_l("Not emailed: link copied")), "grey")
        elif invitation.sent_at is not None:
            found[invitation.id] = describe("sent", finished_at=invitation.sent_at)
        else:
            found[invitation.id] = Status("none", str(_l("Not emailed")), "grey")
    return found


def status_of(message_id: int | None) -> str | None:
    """A row's raw status (``queued``, ``sent``...), or None without a row."""
    if message_id is None:
        return None
    return db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id))
