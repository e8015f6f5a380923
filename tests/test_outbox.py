"""The outbox: statuses that tell the truth, retries with back-off, exactly-once claims, secrets kept out
of the table, and the email's parts (a real SMTP server receives them)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from literacy.extensions import db
from literacy.models import OutboxMessage, utcnow
from literacy.notifications import delivery, outbox

from .support import consumer_kinds  # noqa: F401 - registers the test kinds
from .support.mail import free_port, mail_config


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


def note(number: int = 1, **context) -> OutboxMessage:
    return outbox.queue("test_note", f"person{number}@example.org", context={"number": number, **context})


def test_a_committed_message_is_sent_once_and_says_so(app, inbox):
    message = note(1, base_url="http://localhost/")
    db.session.commit()
    assert outbox.dispatch() == [message.id]
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    assert (row.status, row.attempts, row.subject) == ("sent", 1, "Test note 1")
    assert row.finished_at is not None and row.claimed_by is None and row.last_error is None
    assert [m["To"] for m in inbox.messages] == ["person1@example.org"]
    received = inbox.messages[0]
    assert "Note 1." in inbox.body(received)
    assert "<p" in inbox.html(received) and 'lang="en"' in inbox.html(received)
    assert received["List-Unsubscribe"] is None  # a message nobody can opt out of has no such header
    assert outbox.dispatch() == []  # handed over once
    assert delivery.send_due() == {"sent": 0, "not_sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    assert len(inbox.messages) == 1


def test_a_rolled_back_message_never_existed(app, inbox):
    note(1)
    db.session.rollback()
    assert outbox.dispatch() == []
    assert db.session.scalar(select(OutboxMessage)) is None
    assert inbox.messages == []


def test_without_a_mail_server_the_message_is_not_sent_and_says_why(app, inbox):
    current_app.config["MAIL_HOST"] = None
    message = note(2)
    db.session.commit()
    outbox.dispatch()
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    assert row.status == "not_sent"
    assert row.last_error == "no mail server is configured"
    assert inbox.messages == []


def test_a_link_token_is_encrypted_in_the_row_and_erased_once_sent(app, inbox):
    message = outbox.queue("test_note", "a@example.org", context={"number": 3}, secret="tok-123456")
    db.session.commit()
    stored = db.session.scalar(select(OutboxMessage.secret).where(OutboxMessage.id == message.id))
    assert stored and "tok-123456" not in stored and outbox.unseal(stored) == "tok-123456"
    outbox.dispatch()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).secret is None
    assert "http://localhost/secret/tok-123456" in inbox.body(inbox.messages[0])


def test_an_unreachable_server_is_retried_with_back_off_then_failed(app, inbox):
    current_app.config.update(MAIL_PORT=str(free_port()), MAIL_MAX_ATTEMPTS="3", MAIL_RETRY_SECONDS="60")
    message = note(4)
    db.session.commit()
    start = utcnow()
    delivery.send_due(now=start)
    row = db.session.get(OutboxMessage, message.id)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "could not be reached" in row.last_error
    assert row.next_attempt_at == start + timedelta(seconds=60)
    assert delivery.send_due(now=start + timedelta(seconds=30))["retry"] == 0  # not due yet
    delivery.send_due(now=start + timedelta(seconds=61))
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("queued", 2)
    assert row.next_attempt_at == start + timedelta(seconds=61 + 120)  # doubled
    delivery.send_due(now=start + timedelta(seconds=200))
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.finished_at is not None and "could not be reached" in row.last_error


def test_a_server_that_comes_back_sends_the_retried_message(app, inbox):
    real_port = current_app.config["MAIL_PORT"]
    current_app.config["MAIL_PORT"] = str(free_port())
    message = note(5)
    db.session.commit()
    start = utcnow()
    delivery.send_due(now=start)
    current_app.config["MAIL_PORT"] = real_port
    delivery.send_due(now=start + timedelta(minutes=2))
    row = db.session.get(OutboxMessage, message.id)
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(inbox.messages) == 1


def test_a_message_no_longer_needed_is_skipped_with_its_reason(app, inbox):
    message = note(6, skip=True)
    db.session.commit()
    outbox.dispatch()
    db.session.expire_all()
    row = db.session.get(OutboxMessage, message.id)
    assert (row.status, row.last_error) == ("skipped", "not needed any more")
    assert inbox.messages == []


def test_a_writer_that_fails_does_not_stop_the_others(app, inbox):
    current_app.config["MAIL_MAX_ATTEMPTS"] = "1"
    broken, fine = note(7, broken=True), note(8)
    db.session.commit()
    outbox.dispatch()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, broken.id).status == "failed"
    assert "could not be written" in db.session.get(OutboxMessage, broken.id).last_error
    assert db.session.get(OutboxMessage, fine.id).status == "sent"


def test_the_recipients_language_is_the_messages(app, inbox):
    message = outbox.queue("test_note", "cy@example.org", language="cy", context={"number": 9})
    db.session.commit()
    outbox.dispatch()
    assert db.session.get(OutboxMessage, message.id).language == "cy"
    received = inbox.messages[0]
    assert received["Content-Language"] == "cy"
    assert 'lang="cy"' in inbox.html(received)


def test_one_event_is_queued_once(app):
    outbox.queue("test_note", "a@example.org", dedupe_key="due:1:1:2027-01-15:7")
    db.session.commit()
    outbox.queue("test_note", "a@example.org", dedupe_key="due:1:1:2027-01-15:7")
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_two_claims_for_the_same_rows_never_both_win(app):
    messages = [note(number) for number in range(10)]
    db.session.commit()
    ids = [message.id for message in messages]
    first = delivery.claim(ids)
    second = delivery.claim(ids)
    assert sorted(first) == sorted(ids) and second == []


def test_concurrent_consumers_claim_disjoint_rows(app):
    """Four threads, each with its own connection, claim from the same 200 rows at once."""
    for number in range(200):
        note(number)
    db.session.commit()
    claimed: list[list[int]] = []
    barrier = threading.Barrier(4)
    flask_app = current_app._get_current_object()

    def consumer() -> None:
        with flask_app.app_context():
            barrier.wait()
            mine: list[int] = []
            while batch := delivery.claim(limit=25):
                mine.extend(batch)
            claimed.append(mine)
            db.session.remove()

    threads = [threading.Thread(target=consumer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = [number for mine in claimed for number in mine]
    assert len(everything) == 200 and len(set(everything)) == 200


def test_rows_a_dead_consumer_left_sending_are_queued_again(app):
    stale, fresh = note(1), note(2)
    db.session.commit()
    now = utcnow()
    assert delivery.claim([stale.id, fresh.id], now=now) == [stale.id, fresh.id]
    stale.claimed_at, fresh.claimed_at = now - timedelta(minutes=20), now - timedelta(minutes=5)
    db.session.commit()
    assert delivery.recover(now) == 1
    db.session.expire_all()
    assert db.session.get(OutboxMessage, stale.id).status == "queued"
    assert db.session.get(OutboxMessage, fresh.id).status == "sending"
