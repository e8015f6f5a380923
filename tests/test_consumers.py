"""Two of Huey's real consumers (separate processes, as on two machines) working one outbox never send
a message twice: on the embedded SQLite queue and on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from literacy.extensions import db
from literacy.models import OutboxMessage
from literacy.notifications import jobs, outbox, queue

from .support import consumer_kinds  # noqa: F401 - the kinds the consumers know
from .support.mail import mail_config

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 120


def _redis_available() -> bool:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except Exception:
        return False
    return True


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request, tmp_path):
    if request.param == "redis":
        if not _redis_available():
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        url = f"redis://127.0.0.1:6379/15?name=literacy-test-{uuid.uuid4().hex}"
        yield url
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
        for key in client.scan_iter(f"*{url.rsplit('=', 1)[1]}*"):
            client.delete(key)
        return
    yield f"sqlite:///{tmp_path / 'queue.sqlite3'}"


@pytest.fixture
def app_config(inbox, queue_url):
    return {**mail_config(inbox), "QUEUE_URL": queue_url, "QUEUE_REAL": True}


def _consumer(app, queue_url: str, log) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    environment = {
        **os.environ,
        "LITERACY_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "LITERACY_SECRET_KEY": app.config["SECRET_KEY"],
        "LITERACY_QUEUE_URL": queue_url,
        "LITERACY_MAIL_HOST": app.config["MAIL_HOST"],
        "LITERACY_MAIL_PORT": app.config["MAIL_PORT"],
        "LITERACY_MAIL_SENDER": app.config["MAIL_SENDER"],
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "tests.support.consumer_kinds.huey"]
        + ["-w", "2", "-k", "thread"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def test_two_consumers_never_send_the_same_message_twice(app, inbox, queue_url, tmp_path):
    messages = [outbox.queue("test_note", f"p{n}@example.org", context={"number": n}) for n in range(MESSAGES)]
    db.session.commit()
    ids = [message.id for message in messages]
    assert queue.huey.immediate is False
    # Every message is handed to the queue three times (one batch and one task each, twice over), so
    # both consumers are asked to send the same rows at the same moment.
    jobs.send_messages(ids)
    for number in ids:
        jobs.send_messages([number])
    jobs.send_messages(ids)
    logs = [tmp_path / "consumer-1.log", tmp_path / "consumer-2.log"]
    handles = [log.open("wb") for log in logs]
    consumers = [_consumer(app, queue_url, handle) for handle in handles]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            db.session.rollback()
            left = db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("queued", "sending")))
            )
            if not left and len(queue.huey) == 0:
                break
            for process in consumers:
                assert process.poll() is None, "\n".join(log.read_text() for log in logs)
            time.sleep(0.2)
        time.sleep(0.5)  # anything sent twice would arrive now
    finally:
        for process in consumers:
            process.terminate()
        for process in consumers:
            process.wait(20)
        for handle in handles:
            handle.close()
    for log in logs:  # both consumers took tasks: the race was real
        assert "Executing" in log.read_text() and "send_messages" in log.read_text(), log.read_text()
    received = Counter(message["To"] for message in inbox.messages)
    assert len(received) == MESSAGES, received
    assert set(received.values()) == {1}, [to for to, count in received.items() if count > 1]
    statuses = Counter(db.session.scalars(select(OutboxMessage.status)))
    assert statuses == {"sent": MESSAGES}
    assert set(db.session.scalars(select(OutboxMessage.attempts))) == {1}
    assert len({row.claimed_by for row in db.session.scalars(select(OutboxMessage))}) == 1  # cleared: None
