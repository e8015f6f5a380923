"""Commands: demo data (idempotent) and creating a site administrator."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from literacy.extensions import db
from literacy.models import Cohort, Membership, Organisation, User

from .conftest import Auth

LINE = re.compile(r"^(learner|trainer|manager|admin) (\S+@\S+) (\S+)$")


def demo_accounts(output: str) -> list[tuple[str, str, str]]:
    rows = []
    for line in output.splitlines():
        match = LINE.match(line)
        if match:
            rows.append(match.groups())
    return rows


def test_demo_prints_one_line_per_account_and_they_can_sign_in(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    accounts = demo_accounts(result.output)
    assert [role for role, _, _ in accounts] == ["learner", "trainer", "manager", "admin"]
    for role, email, password in accounts:
        client = app.test_client()
        assert Auth(client).sign_in(email, password).status_code == 302, role
    admin = db.session.scalar(select(User).where(User.email == accounts[3][1]))
    assert admin.is_site_admin


def test_demo_is_idempotent(app, runner):
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


def test_demo_roles_reach_the_right_pages(app, runner):
    accounts = {role: (email, password) for role, email, password in demo_accounts(runner.invoke(args=["demo"]).output)}
    manager = app.test_client()
    Auth(manager).sign_in(*accounts["manager"])
    assert manager.get("/organisations/demo-council/").status_code == 200
    learner = app.test_client()
    Auth(learner).sign_in(*accounts["learner"])
    assert learner.get("/organisations/demo-council/").status_code == 403


def test_create_admin(app, runner):
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


def test_start_migrates_loads_the_demo_and_serves(app, runner, monkeypatch):
    served = {}

    def fake_run_simple(host, port, application, **options):
        served.update(host=host, port=port, application=application)

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    monkeypatch.setattr("literacy.cli.upgrade", lambda: served.setdefault("upgraded", True))
    result = runner.invoke(args=["start", "--port", "5123"])
    assert result.exit_code == 0, result.output
    assert served["upgraded"] and served["port"] == 5123 and served["host"] == "127.0.0.1"
    assert served["application"] is app
    assert demo_accounts(result.output)
