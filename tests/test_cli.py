"""Commands: demo data (idempotent), creating a site administrator, and which commands need the secret key."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import cli as flask_cli
from sqlalchemy import func, select

from literacy.extensions import db
from literacy.models import Cohort, Membership, Organisation, User

from .conftest import REPO, Auth

LINE = re.compile(r"^(learner|trainer|manager|admin) (\S+@\S+) (\S+)$")


def demo_accounts(output: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            rows.append(match.groups())
    return rows


def test_demo_prints_one_line_per_account_and_they_can_sign_in(app, runner, published_curriculum):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    accounts = demo_accounts(result.output)
    assert [role for role, _, _ in accounts] == ["learner", "trainer", "manager", "admin"]
    for role, email, password in accounts:
        client = app.test_client()
        assert Auth(client).sign_in(email, password).status_code == 302, role
    admin = db.session.scalar(select(User).where(User.email == accounts[3][1]))
    assert admin.is_site_admin


def test_demo_is_idempotent(app, runner, published_curriculum):
    first = runner.invoke(args=["demo"]).output
    counts = [
        db.session.scalar(select(func.count()).select_from(model)) for model in (User, Organisation, Cohort, Membership)
    ]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert demo_accounts(second.output) == demo_accounts(first)
    again = [
        db.session.scalar(select(func.count()).select_from(model)) for model in (User, Organisation, Cohort, Membership)
    ]
    assert again == counts == [4, 1, 1, 4]


def test_demo_roles_reach_the_right_pages(app, runner, published_curriculum):
    accounts = {role: (email, password) for role, email, password in demo_accounts(runner.invoke(args=["demo"]).output)}
    manager = app.test_client()
    Auth(manager).sign_in(*accounts["manager"])
    assert manager.get("/organisations/demo-council/").status_code == 200
    learner = app.test_client()
    Auth(learner).sign_in(*accounts["learner"])
    assert learner.get("/organisations/demo-council/").status_code == 403


def test_create_admin(app, runner, monkeypatch):
    monkeypatch.setattr("literacy.cli._interactive", lambda: True)  # asked at a terminal
    result = runner.invoke(
        args=["create-admin", "--email", "Chief@Example.org", "--name", "Chief Admin"],
        input="a very long password\na very long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created site administrator chief@example.org" in result.output
    user = db.session.scalar(select(User).where(User.email == "chief@example.org"))
    assert user.is_site_admin and user.check_password("a very long password")
    again = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "chief@example.org",
            "--name",
            "Chief",
            "--password",
            "another long password",
        ]
    )
    assert "Updated site administrator" in again.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_create_admin_refuses_a_short_password(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "a@example.org", "--name", "A", "--password", "short"])
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_start_migrates_loads_the_demo_and_serves(app, runner, monkeypatch, published_curriculum):
    served = {}

    def fake_run_simple(host, port, application, **options):
        served.update(host=host, port=port, application=application)

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    monkeypatch.setattr("literacy.cli.upgrade", lambda: served.setdefault("upgraded", True))
    result = runner.invoke(args=["start", "--port", "5123", "--no-consumer"])
    assert result.exit_code == 0, result.output
    assert served["upgraded"] and served["port"] == 5123 and served["host"] == "127.0.0.1"
    assert served["application"] is app
    assert demo_accounts(result.output)


def test_start_runs_the_queues_consumer_beside_the_site(app, runner, monkeypatch, published_curriculum):
    """Huey's consumer runs in the main thread (it sets signal handlers), the site in a thread beside it;
    tests/test_start_command.py runs the real thing and receives the mail it sends."""
    served, consumed = {}, {}

    class FakeConsumer:
        def run(self):
            consumed["ran"] = True

    def fake_consumer(**options):
        consumed.update(options)
        return FakeConsumer()

    monkeypatch.setattr("werkzeug.serving.run_simple", lambda *args, **options: served.setdefault("served", True))
    monkeypatch.setattr("literacy.cli.upgrade", lambda: None)
    monkeypatch.setattr("literacy.notifications.queue.huey.create_consumer", fake_consumer)
    result = runner.invoke(args=["start", "--port", "5124"])
    assert result.exit_code == 0, result.output
    assert consumed == {"workers": 2, "worker_type": "thread", "periodic": True, "ran": True}
    assert "Sending mail and reminders with 2 worker thread(s)" in result.output


def without_a_secret_key(tmp_path: Path) -> dict[str, str]:
    """The environment of a course repository's CI: no LITERACY_* settings, a database URL that must stay unused."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("LITERACY_", "FLASK_", "PYTHON"))}
    env["LITERACY_DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    return env


def flask_command(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``flask --app literacy ARGS`` in this process, as the ``flask`` script runs it, without a secret key."""
    monkeypatch.chdir(tmp_path)
    env = without_a_secret_key(tmp_path)
    unset = {key: None for key in os.environ if key not in env}
    return CliRunner().invoke(flask_cli, ["--app", "literacy", *args], env={**env, **unset}, catch_exceptions=False)


def test_courses_check_needs_no_secret_key_and_no_database(tmp_path):
    """An author's tool for course repositories' CI: it reads the folder, glossary.yaml included, and nothing else."""
    courses = tmp_path / "courses"
    shutil.copytree(REPO / "docs" / "example-courses", courses)
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "literacy", "courses", "check", str(courses)],
        cwd=work,
        env=without_a_secret_key(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 module checked, 0 problems" in result.stdout
    assert not (tmp_path / "unused.sqlite3").exists()
    assert list(work.iterdir()) == []


def test_courses_list_needs_no_secret_key(tmp_path, monkeypatch):
    result = flask_command(["courses", "list", str(REPO / "docs" / "example-courses")], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("example-module: Example module (edition ")
    assert not (tmp_path / "unused.sqlite3").exists()


def test_start_help_needs_no_secret_key(tmp_path, monkeypatch):
    result = flask_command(["start", "--help"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and "--port" in result.output


@pytest.mark.parametrize("args", [["demo"], ["db", "upgrade"], ["start"], ["courses", "sync"]])
def test_commands_that_use_the_site_refuse_to_run_without_a_secret_key(tmp_path, monkeypatch, caplog, args):
    result = flask_command(args, tmp_path, monkeypatch)
    assert result.exit_code == 1
    # Flask-Migrate (db upgrade, and start, which upgrades first) reports errors through logging, on stderr.
    assert "Error: Set LITERACY_SECRET_KEY to a long random value" in result.output + caplog.text
    assert "Traceback" not in result.output
    assert not (tmp_path / "unused.sqlite3").exists()


@pytest.mark.slow
def test_gunicorn_refuses_to_start_without_a_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "literacy.wsgi:app", "--bind", "127.0.0.1:0", "--workers", "1"],
        cwd=tmp_path,
        env=without_a_secret_key(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Set LITERACY_SECRET_KEY to a long random value" in result.stderr
    assert not (tmp_path / "unused.sqlite3").exists()
