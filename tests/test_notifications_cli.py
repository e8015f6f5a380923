"""``flask notifications run`` and ``status``: the operator's way to send everything due now."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import OutboxMessage
from literacy.notifications import outbox

from .support import consumer_kinds  # noqa: F401 - registers the test kinds
from .support.mail import mail_config


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


def test_run_sends_the_whole_queue_and_a_second_run_sends_nothing(app, runner, inbox):
    for number in range(3):
        outbox.queue("test_note", f"p{number}@example.org", context={"number": number})
    db.session.commit()
    db.session.info.pop(outbox.COMMITTED_KEY, None)  # as if the queue had been down: only the outbox knows
    result = runner.invoke(args=["notifications", "run", "--now", "2030-01-15T09:00"])
    assert result.exit_code == 0, result.output
    assert "sent: 3" in result.output
    assert sorted(m["To"] for m in inbox.messages) == ["p0@example.org", "p1@example.org", "p2@example.org"]
    again = runner.invoke(args=["notifications", "run", "--now", "2030-01-15T09:00"])
    assert again.exit_code == 0 and "sent: 0" in again.output
    assert len(inbox.messages) == 3
    db.session.expire_all()
    assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}


def test_run_refuses_a_moment_that_is_not_iso(runner):
    result = runner.invoke(args=["notifications", "run", "--now", "next tuesday"])
    assert result.exit_code == 2
    assert "is not an ISO date and time" in result.output


def test_status_counts_each_state(app, runner):
    assert "The outbox is empty." in runner.invoke(args=["notifications", "status"]).output
    outbox.queue("test_note", "a@example.org", context={"number": 1})
    db.session.commit()
    db.session.info.pop(outbox.COMMITTED_KEY, None)
    assert "queued: 1" in runner.invoke(args=["notifications", "status"]).output
