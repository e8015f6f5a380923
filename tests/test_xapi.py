"""xAPI statements to an organisation's LRS (issue 22), sent to a real LRS the tests start: Ralph, on its
file-system backend, on a free port of this machine, with basic-auth credentials made by its own CLI.

A learner's whole journey (lessons opened and completed, every kind of question answered, an assessment
failed and then passed, the module completed) arrives in the LRS and reads back the same; every statement
also validates against Ralph's own xAPI models. An LRS that is down leaves learning working and the
statements failed with the reason, and resending works once it is up. The settings page and the list of
statements are for the organisation's administrators and site administrators only.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from literacy.extensions import db
from literacy.models import AuditEvent, LrsConnection, Organisation, User, XapiStatement
from literacy.publishing import sync_courses
from literacy.xapi import record, sending
from literacy.xapi import statements as xs

from .conftest import csrf_token
from .quiz_support import RIGHT, WRONG, complete_lessons, take, write_quiz_module

LRS_USER, LRS_PASSWORD = "literacy-tests", "a password for the test LRS"
SITE = "https://learning.example.gov.uk"
ENVIRONMENT = {"LITERACY_XAPI_USER": LRS_USER, "LITERACY_XAPI_PASSWORD": LRS_PASSWORD}

try:
    from ralph.models.xapi.base.statements import BaseXapiStatement
except ImportError:  # pragma: no cover - CI installs the test extras, which bring Ralph
    BaseXapiStatement = None


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SITE_URL": SITE, "XAPI_MAX_ATTEMPTS": 2, "XAPI_RETRY_SECONDS": 60, "XAPI_TIMEOUT_SECONDS": 5}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Lrs:
    endpoint: str  # what an organisation enters: the xAPI base address

    def get(self, **params: str) -> list[dict[str, Any]]:
        response = requests.get(
            self.endpoint + "/statements",
            params={**params, "limit": "500"},
            auth=(LRS_USER, LRS_PASSWORD),
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        found = response.json()
        return found.get("statements", [found])


#: ``uvicorn ralph.api:app`` with one change: Ralph 5.1's file-system LRS writes every POST with the "create"
#: operation, which refuses to write to its file once it exists (the second POST answers 500); appending is
#: what a file-system store of statements means
RALPH_SERVER = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


@pytest.fixture(scope="session")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lrs]:
    """Ralph serving the xAPI on a free local port for the whole session (its statements in files)."""
    if BaseXapiStatement is None:
        pytest.skip("Ralph is not installed (pip install -e '.[test]' installs ralph-malph[cli,lrs])")
    folder = tmp_path_factory.mktemp("ralph")
    environment = {
        **os.environ,
        "RALPH_APP_DIR": str(folder),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder),
    }
    ralph = shutil.which("ralph", path=str(Path(sys.executable).parent)) or "ralph"
    subprocess.run(
        [ralph, "auth", "-w", "-u", LRS_USER, "-p", LRS_PASSWORD, "-s", "statements/write", "-s", "statements/read",
         "-M", f"mailto:{LRS_USER}@example.org"],
        env=environment, check=True, capture_output=True, cwd=folder,
    )
    port = _free_port()
    log = (folder / "ralph.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-c", RALPH_SERVER, str(port)],
        env=environment, cwd=folder, stdout=subprocess.DEVNULL, stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/__heartbeat__", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Ralph did not start: " + (folder / "ralph.log").read_text()[-2000:])
            time.sleep(0.2)
        yield Lrs(f"http://127.0.0.1:{port}/xAPI")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def connect(organisation: Organisation, endpoint: str, **values: Any) -> LrsConnection:
    """The organisation's LRS, as its settings page saves it (and the process's list read again)."""
    connection = db.session.scalar(select(LrsConnection).where(LrsConnection.organisation_id == organisation.id))
    if connection is None:
        connection = LrsConnection(organisation_id=organisation.id, endpoint=endpoint)
        db.session.add(connection)
    connection.endpoint = endpoint
    connection.username_env = values.get("username_env", "LITERACY_XAPI_USER")
    connection.password_env = values.get("password_env", "LITERACY_XAPI_PASSWORD")
    connection.kinds = values.get("kinds", list(xs.VERBS))
    connection.actor = values.get("actor", "account")
    connection.is_enabled = values.get("is_enabled", True)
    db.session.commit()
    record.clear_cache()
    return connection


@pytest.fixture
def people(make_organisation, make_user):
    org_a = make_organisation("org-a", "Organisation A")
    org_b = make_organisation("org-b", "Organisation B")
    return {
        "org_a": org_a,
        "org_b": org_b,
        "learner": make_user("learner@a.example", organisation=org_a),
        "manager": make_user("manager@a.example", organisation=org_a, roles=("manager",)),
        "admin": make_user("admin@a.example", organisation=org_a, roles=("org_admin",)),
        "admin_b": make_user("admin@b.example", organisation=org_b, roles=("org_admin",)),
        "manager_b": make_user("manager@b.example", organisation=org_b, roles=("manager",)),
        "root": make_user("root@example.org", site_admin=True),
    }


@pytest.fixture
def module(courses):
    write_quiz_module(courses, "quiz-module", lessons=2, precheck=False)
    sync_courses(courses)


def rows(**where: Any) -> list[XapiStatement]:
    db.session.expire_all()
    query = select(XapiStatement).order_by(XapiStatement.id)
    for name, value in where.items():
        query = query.where(getattr(XapiStatement, name) == value)
    return list(db.session.scalars(query))


def journey(auth) -> None:
    """Open both lessons, complete them, fail the assessment once, then pass it (completing the module)."""
    auth.sign_in("learner@a.example")
    for number in (1, 2):
        assert auth.client.get(f"/modules/quiz-module/lesson-{number}").status_code == 200
    complete_lessons(auth, "quiz-module")
    take(auth, "quiz-module", WRONG)
    take(auth, "quiz-module", RIGHT)


def validate(statement: dict[str, Any]) -> None:
    BaseXapiStatement(**statement)


def test_a_learners_journey_arrives_in_the_lrs(client, auth, people, module, lrs, credentials):
    connect(people["org_a"], lrs.endpoint)
    journey(auth)
    queued = rows()
    assert [row.status for row in queued] == ["sent"] * len(queued), [(r.status, r.last_error) for r in queued]
    kinds = [row.kind for row in queued]
    assert kinds.count("experienced") == 2
    assert kinds.count("completed") == 3  # two lessons and the module
    assert kinds.count("answered") == 10  # five questions, twice
    assert kinds.count("failed") == 1 and kinds.count("passed") == 1
    for row in queued:
        validate(row.statement)

    learner = db.session.scalar(select(User).where(User.email == "learner@a.example"))
    agent = json.dumps({"account": {"homePage": SITE + "/", "name": record.actor_name(learner.id)}})
    stored = {statement["id"]: statement for statement in lrs.get(agent=agent)}
    assert set(stored) == {row.statement_id for row in queued}
    for row in queued:
        held = stored[row.statement_id]
        validate(held)
        for key in ("verb", "object", "result", "context"):
            assert held.get(key) == row.statement.get(key), key
        assert held["actor"]["account"] == row.statement["actor"]["account"]

    statements = {row.kind: [] for row in queued}
    for row in queued:
        statements[row.kind].append(row.statement)
    lesson = statements["experienced"][0]
    assert lesson["verb"] == {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}}
    assert lesson["object"]["id"] == SITE + "/modules/quiz-module/lesson-1"
    assert lesson["object"]["definition"]["name"] == {"en": "Lesson 1 title"}
    assert lesson["context"]["contextActivities"]["parent"][0]["id"] == SITE + "/modules/quiz-module"
    assert lesson["context"]["language"] == "en" and lesson["context"]["platform"]
    assert "mbox" not in lesson["actor"] and "learner@a.example" not in json.dumps(lesson)
    assert str(learner.id) != lesson["actor"]["account"]["name"]

    module_done = [s for s in statements["completed"] if s["object"]["id"] == SITE + "/modules/quiz-module"]
    assert len(module_done) == 1 and module_done[0]["result"]["completion"] is True
    assert module_done[0]["result"]["score"]["scaled"] == 1.0

    answers = {s["object"]["id"].rsplit("#question-", 1)[1]: s for s in statements["answered"][5:]}
    assert answers["yes-no"]["object"]["definition"]["interactionType"] == "true-false"
    assert answers["yes-no"]["result"] == {"response": "false", "success": True}
    assert answers["pick-one"]["object"]["definition"]["interactionType"] == "choice"
    assert answers["pick-one"]["result"]["response"] == "b"
    assert answers["pick-many"]["result"]["response"] == "a[,]c"
    assert {choice["id"] for choice in answers["pick-many"]["object"]["definition"]["choices"]} == {"a", "b", "c"}
    assert answers["name-it"]["object"]["definition"]["interactionType"] == "fill-in"
    assert answers["name-it"]["result"] == {"response": "atrs", "success": True}
    assert answers["how-many"]["object"]["definition"]["interactionType"] == "numeric"
    assert answers["how-many"]["result"]["response"] == "6"
    wrong = {s["object"]["id"].rsplit("#question-", 1)[1]: s for s in statements["answered"][:5]}
    assert wrong["yes-no"]["result"] == {"response": "true", "success": False}

    failed, passed = statements["failed"][0], statements["passed"][0]
    assert failed["object"]["id"] == SITE + "/modules/quiz-module/quiz"
    assert failed["result"]["success"] is False and failed["result"]["completion"] is True
    assert failed["result"]["score"]["scaled"] < 0.5
    assert passed["result"]["score"] == {"scaled": 1.0, "raw": 5, "min": 0, "max": 5}
    # an attempt's answers and its result share its registration; the next attempt has its own
    assert {s["context"]["registration"] for s in statements["answered"][5:]} == {passed["context"]["registration"]}
    assert failed["context"]["registration"] != passed["context"]["registration"]
    assert answers["pick-one"]["context"]["contextActivities"]["parent"][0]["id"] == passed["object"]["id"]


def test_sending_the_same_statements_again_counts_as_sent(client, auth, people, module, lrs, credentials):
    connect(people["org_a"], lrs.endpoint)
    auth.sign_in("learner@a.example")
    client.get("/modules/quiz-module/lesson-1")
    (row,) = rows()
    assert row.status == "sent"
    row.status, row.attempts = "queued", 0
    db.session.commit()
    assert sending.send_due() == {"sent": 1, "retry": 0, "failed": 0}
    assert len(lrs.get(statementId=row.statement_id)) == 1


def test_a_conflicting_or_invalid_statement_fails_alone(client, auth, people, module, lrs, credentials):
    """In one batch: one statement whose id the LRS holds for another, one the LRS finds invalid, one good."""
    connect(people["org_a"], lrs.endpoint)
    auth.sign_in("learner@a.example")
    client.get("/modules/quiz-module/lesson-1")
    (first,) = rows()
    other = dict(first.statement, object={**first.statement["object"], "id": SITE + "/modules/quiz-module/lesson-2"})
    invalid = {key: value for key, value in first.statement.items() if key != "actor"}  # no one did it
    invalid["id"] = xs.statement_id(SITE, "invalid")
    good = dict(first.statement, id=xs.statement_id(SITE, "good"))
    for statement in (other, invalid, good):
        db.session.add(XapiStatement(organisation_id=people["org_a"].id, statement_id=statement["id"],
                                     kind="experienced", statement=statement, status="queued", attempts=0))
    db.session.commit()
    outcome = sending.send_due()
    conflict, refused, sent = rows()[1:]
    assert outcome == {"sent": 1, "retry": 0, "failed": 2}, [(r.status, r.last_error) for r in rows()]
    assert conflict.status == "failed" and "409" in conflict.last_error
    assert refused.status == "failed" and ("422" in refused.last_error or "400" in refused.last_error)
    assert sent.status == "sent" and len(lrs.get(statementId=good["id"])) == 1


def test_a_down_lrs_never_breaks_learning_and_resending_works_once_it_is_up(
    client, auth, people, module, lrs, credentials
):
    closed = f"http://127.0.0.1:{_free_port()}/xAPI"  # nothing listens there
    connection = connect(people["org_a"], closed)
    auth.sign_in("learner@a.example")
    started = time.monotonic()
    assert client.get("/modules/quiz-module/lesson-1").status_code == 200
    assert auth.post("/modules/quiz-module/lesson-1/complete").status_code == 302
    assert time.monotonic() - started < 5
    waiting = rows()
    assert [row.status for row in waiting] == ["queued", "queued"]  # to be tried again later
    assert all("could not be reached" in row.last_error for row in waiting)
    later = max(row.next_attempt_at for row in waiting)
    assert sending.send_due(now=later) == {"sent": 0, "retry": 0, "failed": 2}  # the last attempt
    assert [row.status for row in rows()] == ["failed", "failed"]

    auth.sign_out()
    auth.sign_in("admin@a.example")
    page = client.get("/organisations/org-a/xapi").get_data(as_text=True)
    assert "could not be reached" in page and "Send the failed statements again" in page
    listed = client.get("/organisations/org-a/xapi/statements?status=failed").get_data(as_text=True)
    assert listed.count("could not be reached") == 2

    connect(db.session.get(Organisation, connection.organisation_id), lrs.endpoint)
    response = auth.post("/organisations/org-a/xapi/resend", {})
    assert response.status_code == 302
    assert [row.status for row in rows()] == ["sent", "sent"]
    assert all(len(lrs.get(statementId=row.statement_id)) == 1 for row in rows())
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "xapi.resent")) == 1


def test_missing_credentials_wait_with_the_reason(client, auth, people, module, lrs, monkeypatch):
    monkeypatch.delenv("LITERACY_XAPI_PASSWORD", raising=False)
    monkeypatch.setenv("LITERACY_XAPI_USER", LRS_USER)
    connect(people["org_a"], lrs.endpoint)
    auth.sign_in("learner@a.example")
    assert client.get("/modules/quiz-module/lesson-1").status_code == 200
    (row,) = rows()
    assert row.status == "queued" and "LITERACY_XAPI_PASSWORD" in row.last_error


def test_email_actor_and_chosen_kinds(client, auth, people, module, lrs, credentials):
    connect(people["org_a"], lrs.endpoint, actor="mbox", kinds=["completed"])
    auth.sign_in("learner@a.example")
    client.get("/modules/quiz-module/lesson-1")
    assert rows() == []  # experienced is not asked for
    auth.post("/modules/quiz-module/lesson-1/complete")
    (row,) = rows()
    assert row.kind == "completed" and row.status == "sent"
    assert row.statement["actor"] == {"objectType": "Agent", "mbox": "mailto:learner@a.example"}
    validate(row.statement)
    assert lrs.get(agent=json.dumps({"mbox": "mailto:learner@a.example"}))[0]["id"] == row.statement_id


def test_other_organisations_and_switched_off_lrs_get_nothing(client, auth, people, module, lrs, credentials):
    connect(people["org_b"], lrs.endpoint)  # not the learner's organisation
    auth.sign_in("learner@a.example")
    client.get("/modules/quiz-module/lesson-1")
    connect(people["org_a"], lrs.endpoint, is_enabled=False)
    auth.post("/modules/quiz-module/lesson-1/complete")
    assert rows() == []


def test_without_an_lrs_the_lesson_page_costs_no_query(client, auth, people, module):
    from .test_lesson_reads import statements_of

    auth.sign_in("learner@a.example")
    client.get("/modules/quiz-module/lesson-2")  # the list of organisations that send statements is read
    first = statements_of(lambda: client.get("/modules/quiz-module/lesson-1"))  # a first opening: it writes
    assert not [s for s in first if "lrs_connection" in s or "xapi_statement" in s], first
    journey(auth)
    assert rows() == []


# --- the settings page and who may see it --------------------------------------------------------------------

PAGES = ["/organisations/org-a/xapi", "/organisations/org-a/xapi/statements"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, people, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("email", ["learner@a.example", "manager@a.example", "manager@b.example", "admin@b.example"])
def test_learners_managers_and_other_organisations_are_refused(client, auth, people, path, email):
    auth.sign_in(email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("email", ["learner@a.example", "manager@b.example", "admin@b.example"])
def test_they_cannot_change_or_resend_either(client, auth, people, email):
    auth.sign_in(email)
    token = csrf_token(client)
    form = {"csrf_token": token, "endpoint": "https://lrs.example.org/xAPI", "username_env": "LITERACY_XAPI_USER",
            "password_env": "LITERACY_XAPI_PASSWORD", "kinds": "completed", "actor": "account", "is_enabled": "y"}
    assert client.post("/organisations/org-a/xapi", data=form).status_code == 403
    assert client.post("/organisations/org-a/xapi/resend", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(LrsConnection)) == 0


def test_the_forms_need_their_token(client, auth, people):
    auth.sign_in("admin@a.example")
    assert client.post("/organisations/org-a/xapi", data={"endpoint": "https://lrs.example.org"}).status_code == 400
    assert client.post("/organisations/org-a/xapi/resend", data={}).status_code == 400


@pytest.mark.parametrize("email", ["admin@a.example", "root@example.org"])
def test_admins_configure_the_lrs_without_storing_secrets(client, auth, people, email, monkeypatch):
    monkeypatch.setenv("LITERACY_XAPI_USER", "someone")
    auth.sign_in(email)
    page = client.get("/organisations/org-a/xapi").get_data(as_text=True)
    assert "Learning record store (xAPI)" in page
    response = auth.post("/organisations/org-a/xapi", {
        "endpoint": "https://lrs.example.gov.uk/xAPI/", "username_env": "LITERACY_XAPI_USER",
        "password_env": "LITERACY_XAPI_PASSWORD", "kinds": ["completed", "passed"], "actor": "mbox",
        "is_enabled": "y",
    })
    assert response.status_code == 302
    db.session.expire_all()
    connection = db.session.scalar(select(LrsConnection))
    assert connection.endpoint == "https://lrs.example.gov.uk/xAPI" and connection.kinds == ["completed", "passed"]
    assert connection.actor == "mbox" and connection.is_enabled
    assert "someone" not in json.dumps([connection.endpoint, connection.username_env, connection.password_env])
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "xapi.settings_changed")) == 1
    page = client.get("/organisations/org-a/xapi").get_data(as_text=True)
    assert "LRS settings saved" in page
    assert page.count(">Set<") == 1 and page.count(">Not set<") == 1  # the user is set, the password is not
    assert 'value="https://lrs.example.gov.uk/xAPI"' in page


def test_bad_settings_are_explained_and_kept(client, auth, people):
    auth.sign_in("admin@a.example")
    page = auth.post("/organisations/org-a/xapi", {
        "endpoint": "http://lrs.example.gov.uk/xAPI", "username_env": "LITERACY_SECRET_KEY",
        "password_env": "lowercase", "actor": "somebody",
    }).get_data(as_text=True)
    assert "There is a problem" in page and "<title>Error:" in page
    assert "Use an https:// address" in page
    assert page.count("Use a name that starts with LITERACY_XAPI_") >= 2
    assert "Select at least one kind of statement to send" in page
    assert "Select how learners are named in statements" in page
    assert 'value="http://lrs.example.gov.uk/xAPI"' in page and 'value="LITERACY_SECRET_KEY"' in page
    assert db.session.scalar(select(func.count()).select_from(LrsConnection)) == 0


@pytest.mark.parametrize(
    "endpoint",
    ["", "lrs.example.org", "https://user:pw@lrs.example.org/xAPI", "https://lrs.example.org/x?y=1", "ftp://lrs",
     "https://lrs.example.org:99999/", "https://lrs example.org/", "https://ｌrs.example.org/"],
)
def test_addresses_that_are_not_an_lrs_are_refused(endpoint):
    from literacy.xapi.forms import check_endpoint

    with pytest.raises(ValueError):
        check_endpoint(endpoint)


def test_local_plain_http_is_allowed_for_a_test_lrs():
    from literacy.xapi.forms import check_endpoint

    assert check_endpoint("http://127.0.0.1:8100/xAPI/") == "http://127.0.0.1:8100/xAPI"


def test_the_list_is_paginated_and_filtered(client, auth, people):
    organisation = people["org_a"]
    for number in range(60):
        statement = {"id": xs.statement_id(SITE, f"row-{number}"), "object": {"id": f"{SITE}/modules/m/{number}"}}
        db.session.add(XapiStatement(organisation_id=organisation.id, statement_id=statement["id"], kind="experienced",
                                     statement=statement, status="failed" if number % 2 else "sent", attempts=1,
                                     last_error="the LRS answered 500: boom" if number % 2 else None))
    db.session.commit()
    auth.sign_in("admin@a.example")
    first = client.get("/organisations/org-a/xapi/statements").get_data(as_text=True)
    assert first.count("<tr>") == 51 and "Page 1 of 2" in first
    second = client.get("/organisations/org-a/xapi/statements?page=2").get_data(as_text=True)
    assert second.count("<tr>") == 11
    failed = client.get("/organisations/org-a/xapi/statements?status=failed").get_data(as_text=True)
    assert failed.count("the LRS answered 500: boom") == 30
    settings = client.get("/organisations/org-a/xapi").get_data(as_text=True)
    assert "Latest problems" in settings
    assert client.get("/organisations/org-a/xapi/statements?status=nonsense&page=99").status_code == 200


def test_the_actor_is_named_as_in_the_learners_credentials(app, people):
    from literacy.credentials.build import subject_id

    with app.test_request_context():
        assert record.actor_name(people["learner"].id) == subject_id(people["learner"].id).removeprefix("urn:uuid:")
    assert record.actor_name(people["learner"].id) != record.actor_name(people["admin"].id)


def test_a_slow_lrs_times_out_and_waits_for_a_retry(client, auth, people, module, credentials, app):
    app.config["XAPI_TIMEOUT_SECONDS"] = 1
    with socket.socket() as silent:  # takes connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        connect(people["org_a"], f"http://127.0.0.1:{silent.getsockname()[1]}/xAPI")
        auth.sign_in("learner@a.example")
        assert client.get("/modules/quiz-module/lesson-1").status_code == 200
    (row,) = rows()
    assert row.status == "queued" and "Timeout" in row.last_error and row.attempts == 1


def test_a_submitted_assessment_queues_all_its_statements_in_one_insert(client, auth, people, module, lrs, credentials):
    from .quiz_support import answer_all, start
    from .test_lesson_reads import statements_of, writes

    connect(people["org_a"], lrs.endpoint)
    auth.sign_in("learner@a.example")
    complete_lessons(auth, "quiz-module")
    _, attempt = start(auth, "quiz-module")
    answer_all(auth, "quiz-module", attempt, RIGHT)
    token = csrf_token(client)
    sent = statements_of(lambda: client.post(f"/modules/quiz-module/quiz/{attempt.id}/check",
                                             data={"csrf_token": token}))
    assert writes(sent).count("INSERT xapi_statement") == 1, writes(sent)
    asked = [s for s in sent if s.startswith("SELECT DISTINCT membership.organisation_id")]
    assert len(asked) == 1, "the learner's organisations are read once, not once per statement"
    assert [row.kind for row in rows()][-7:] == ["answered"] * 5 + ["passed", "completed"]  # and the module


def test_statements_waiting_for_a_switched_off_lrs_fail_until_resent(app, people):
    connect(people["org_a"], "https://lrs.example.gov.uk/xAPI", is_enabled=False)
    statement = {"id": xs.statement_id(SITE, "waiting")}
    db.session.add(XapiStatement(organisation_id=people["org_a"].id, statement_id=statement["id"], kind="completed",
                                 statement=statement, status="queued", attempts=0))
    db.session.commit()
    assert sending.send_due() == {"sent": 0, "retry": 0, "failed": 1}
    (row,) = rows()
    assert row.status == "failed" and "switched off" in row.last_error


@pytest.mark.parametrize(
    ("kind", "answer", "interaction", "response"),
    [
        ("text", "x" * 300, "long-fill-in", "x" * 300),
        ("number", "6.5", "numeric", "6.5"),
        ("matching", "a", "other", "a"),
        ("true-false", "b", "choice", "b"),  # options not worded true and false: the option chosen
        ("multiple", None, "choice", ""),
    ],
)
def test_every_question_kind_is_an_interaction_that_validates(kind, answer, interaction, response):
    options = [{"key": "a", "html": "<p>Agree</p>"}, {"key": "b", "html": "<p>Disagree</p>"}]
    definition, found = xs.interaction(kind, options, answer)
    assert definition["interactionType"] == interaction and found == response
    activity = xs.Activity(SITE + "/modules/m/quiz#question-q", xs.QUESTION_TYPE, "A question?", "en", definition)
    statement = xs.statement(
        id=xs.statement_id(SITE, kind), actor=xs.Actor(SITE + "/", "3f1c6d2e-0000-5000-8000-000000000000"),
        verb_name="answered", activity=activity, moment=datetime(2026, 12, 3, 12, 0, tzinfo=UTC), language="en",
        platform="AI literacy", result=xs.answer_result(found, False),
    )
    validate(statement)


def test_with_an_lrs_a_lesson_opening_adds_one_insert_and_reads_no_memberships(
    client, auth, people, module, lrs, credentials
):
    from .test_lesson_reads import statements_of, writes

    connect(people["org_a"], lrs.endpoint)
    auth.sign_in("learner@a.example")
    client.get("/modules/quiz-module/lesson-2")  # the list of organisations that send statements is read
    sent = statements_of(lambda: client.get("/modules/quiz-module/lesson-1"))
    assert writes(sent).count("INSERT xapi_statement") == 1
    listed = [s for s in sent if "FROM lrs_connection JOIN organisation" in s]
    assert not listed, "the list of organisations that send statements is kept (sending reads the connection)"
    assert not [s for s in sent if s.startswith("SELECT DISTINCT membership")], "the header's roles say which"
    assert [row.status for row in rows()] == ["sent", "sent"]
