"""A fresh install, end to end, as the README's production section runs it: an empty database, ``flask db
upgrade``, ``flask create-admin`` unattended, then the site admin and the people they invite on the web
(the invitations received over SMTP by a local server and followed from the message)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, select, text

from literacy.extensions import db
from literacy.models import Cohort, Membership, Organisation, User

from .conftest import Auth, make_app, make_config
from .support.mail import Inbox, mail_config
from .test_migrations import empty_database_url  # noqa: F401 - the fixture: a brand-new database

ADMIN_PASSWORD = "the site admin's long password"
SLUG = "vale-council"


@pytest.fixture
def fresh_app(empty_database_url: str, inbox: Inbox) -> Iterator[Flask]:  # noqa: F811 - the imported fixture
    """The site on the empty database, mailing to ``inbox``; nothing creates its tables but the migrations."""
    app = make_app(make_config(empty_database_url, **mail_config(inbox), SITE_URL="http://localhost"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def accept(app: Flask, inbox: Inbox, email: str, name: str, password: str) -> FlaskClient:
    """The person follows the emailed link, chooses a password and is signed in; returns their browser."""
    browser = app.test_client()
    link = inbox.link(to=email, path="/invitations/")
    page = browser.get(link)
    assert page.status_code == 200 and "Vale Council" in page.get_data(as_text=True)
    response = Auth(browser).post(link, {"name": name, "password": password, "confirm": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert f"Signed in as {name}" in browser.get("/").get_data(as_text=True)
    return browser


def invite(browser: FlaskClient, email: str, name: str, role: str) -> None:
    page = browser.get(f"/organisations/{SLUG}/people/invite")
    assert page.status_code == 200
    response = Auth(browser).post(f"/organisations/{SLUG}/people/invite", {"email": email, "name": name, "role": role})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = browser.get(response.location).get_data(as_text=True)
    assert f"An invitation is being emailed to {email}" in page and "Sent " in page  # sent after the request


def test_a_fresh_install_from_an_empty_database_to_a_managers_first_cohort(fresh_app: Flask, inbox: Inbox):
    app, runner = fresh_app, fresh_app.test_cli_runner()
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []

    # the operator: migrate, then the first site administrator, unattended (the password from the environment)
    # (`flask` itself gives every command an app context; the test runner needs one pushed)
    with app.app_context():
        upgraded = runner.invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        created = runner.invoke(
            args=["create-admin", "--email", "admin@site.example", "--name", "Sam Site"],
            env={"LITERACY_ADMIN_PASSWORD": ADMIN_PASSWORD},
            input="",
        )
    assert created.exit_code == 0, created.output
    assert "Created site administrator admin@site.example" in created.output

    # the site admin signs in and creates the organisation
    admin = app.test_client()
    assert Auth(admin).sign_in("admin@site.example", ADMIN_PASSWORD).status_code == 302
    create_the_organisation(admin)
    with app.app_context():
        assert db.session.scalar(select(Organisation.name).where(Organisation.slug == SLUG)) == "Vale Council"

    # ... and invites its first organisation admin, who accepts from the email
    invite(admin, "olu@vale.example", "Olu Okafor", "org_admin")
    org_admin = accept(app, inbox, "olu@vale.example", "Olu Okafor", "Olu's long password")

    # the organisation admin invites a learner and a manager, who accept
    invite(org_admin, "lee@vale.example", "Lee Learner", "learner")
    invite(org_admin, "mo@vale.example", "Mo Manager", "manager")
    learner = accept(app, inbox, "lee@vale.example", "Lee Learner", "Lee's long password")
    manager = accept(app, inbox, "mo@vale.example", "Mo Manager", "Mo's long password")
    assert sorted(message["To"] for message in inbox.messages) == [
        "lee@vale.example",
        "mo@vale.example",
        "olu@vale.example",
    ]

    # the manager creates a cohort; the learner may not
    assert learner.get(f"/organisations/{SLUG}/cohorts/new").status_code == 403
    response = Auth(manager).post(
        f"/organisations/{SLUG}/cohorts/new",
        {
            "name": "Autumn 2026",
            "starts_on-day": "7",
            "starts_on-month": "12",
            "starts_on-year": "2026",
            "description": "The first cohort",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Autumn 2026" in manager.get(f"/organisations/{SLUG}/cohorts").get_data(as_text=True)

    with app.app_context():
        roles = {
            email: role
            for email, role in db.session.execute(
                select(User.email, Membership.role).join(Membership, Membership.user_id == User.id)
            )
        }
        assert roles == {"olu@vale.example": "org_admin", "lee@vale.example": "learner", "mo@vale.example": "manager"}
        cohort = db.session.scalar(select(Cohort))
        assert cohort.name == "Autumn 2026"
        assert db.session.get(Organisation, cohort.organisation_id).slug == SLUG
        assert db.session.scalar(select(User.is_site_admin).where(User.email == "admin@site.example"))


def create_the_organisation(admin: FlaskClient) -> None:
    """On the site admin's page for it (``flask orgs create`` does the same from a script)."""
    assert admin.get("/admin/organisations/new").status_code == 200
    response = Auth(admin).post("/admin/organisations/new", {"name": "Vale Council", "slug": SLUG})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Vale Council created" in admin.get(response.location).get_data(as_text=True)


@pytest.mark.slow
def test_the_real_flask_command_runs_the_first_steps_unattended(tmp_path):
    """``flask db upgrade`` and ``flask create-admin --password-stdin`` as a deployment script runs them:
    separate processes, no terminal, the password piped in (never on the command line)."""
    database = tmp_path / "fresh.sqlite3"
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("LITERACY_")},
        "LITERACY_SECRET_KEY": "a test secret key that is long enough",
        "LITERACY_DATABASE_URL": f"sqlite:///{database}",
    }

    def flask(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "literacy", *args],
            input=stdin,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    upgraded = flask("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    args = ("create-admin", "--email", "admin@site.example", "--name", "Sam Site")
    refused = flask(*args)
    assert refused.returncode == 2 and "--password-stdin" in refused.stderr
    created = flask(*args, "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert "Created site administrator admin@site.example" in created.stdout
    listed = flask("orgs", "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []
    with create_engine(f"sqlite:///{database}").connect() as connection:
        assert connection.execute(text('SELECT is_site_admin FROM "user"')).scalar_one()
