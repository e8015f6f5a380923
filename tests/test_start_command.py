"""``flask start``, the README's way to try the site, runs the task queue's consumer beside it: mail a
page queues is sent by the embedded queue (a SQLite file), with nothing else installed."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time

import requests

from .support.servers import environment, free_port


def test_start_serves_the_site_and_its_consumer_sends_queued_mail(tmp_path, inbox):
    port = free_port()
    env = environment(
        tmp_path,
        LITERACY_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        LITERACY_MAIL_HOST="127.0.0.1",
        LITERACY_MAIL_PORT=str(inbox.port),
        LITERACY_MAIL_SENDER="ai@example.gov.uk",
    )
    command = [sys.executable, "-m", "flask", "--app", "literacy", "--debug", "start", "--port", str(port)]
    log = (tmp_path / "start.log").open("w")
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        deadline = time.monotonic() + 90  # it migrates and publishes the demo courses first
        while True:
            assert process.poll() is None, (tmp_path / "start.log").read_text()
            try:
                if session.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "flask start did not answer within 90 s"
            time.sleep(0.2)
        form = session.get(base + "/password-reset", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or re.search(
            r'name="csrf_token" value="([^"]+)"', form
        )
        assert token, form
        answer = session.post(
            base + "/password-reset", data={"csrf_token": token.group(1), "email": "learner@example.org"}, timeout=10
        )
        assert answer.status_code == 200
        deadline = time.monotonic() + 30
        while not inbox.to("learner@example.org"):
            assert time.monotonic() < deadline, (tmp_path / "start.log").read_text()
            time.sleep(0.2)
        assert "/password-reset/" in inbox.body(inbox.to("learner@example.org")[0])
        with sqlite3.connect(tmp_path / "server.sqlite3") as database:
            statuses = database.execute("SELECT kind, status FROM outbox_message").fetchall()
        assert statuses == [("password_reset", "sent")]
    finally:
        process.terminate()
        process.wait(30)
        log.close()
