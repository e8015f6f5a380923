"""``flask notifications``: run the reminders and the outbox in the foreground, and see the queue.

``run`` is for operations (catching up after an outage without waiting for the schedule) and tests: it
queues everything due at ``--now`` and sends until the outbox is empty. Every reminder has its own
unique key, so running it twice, or beside the consumers, sends nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from sqlalchemy import func, select

from .extensions import db


@click.group("notifications")
def notifications_group() -> None:
    """Reminders, digests and the outbox (see docs/notifications.md)."""


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not an ISO date and time, like 2027-01-15T09:00") from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@notifications_group.command("run")
@click.option("--now", "now_text", metavar="ISO-DATETIME", help="Act as if it were this moment (UTC unless given).")
def run_command(now_text: str | None) -> None:
    """Queue every reminder, expiry notice and digest due now, then send the queue until it is empty."""
    from .notifications import jobs

    counts = jobs.run(_moment(now_text))
    click.echo(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in counts.items()) or "nothing to do")


@notifications_group.command("status")
def status_command() -> None:
    """How many messages are in each state (failed ones are worth a look: their last error says why)."""
    from .models import OutboxMessage

    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status).order_by(OutboxMessage.status)
    ).all()
    if not rows:
        click.echo("The outbox is empty.")
    for status, count in rows:
        click.echo(f"{status}: {count}")
