"""One commit per request: services add to the session, the view commits once (docs/developing.md).

The one exception is mail: invitations are committed, sent, and their sent times committed again.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, event, select

from literacy.extensions import db
from literacy.models import Cohort, Module
from literacy.publishing import sync_courses

from .cohorts_support import make_people
from .quiz_support import RIGHT, form_value, latest_attempt, write_quiz_module


@pytest.fixture
def commits():
    """The database COMMITs (not savepoint releases) of every connection, counted while the test runs."""
    counted: list[Connection] = []

    def count(connection: Connection) -> None:
        counted.append(connection)

    event.listen(Engine, "commit", count)
    yield counted
    event.remove(Engine, "commit", count)


def commits_during(commits: list, request) -> int:  # noqa: ANN001 - a callable that makes one request
    commits.clear()
    response = request()
    assert response.status_code in (200, 302), response.status_code
    return len(commits)


@pytest.fixture
def published(tmp_path, app):
    root = tmp_path / "courses"
    root.mkdir()
    write_quiz_module(root, max_attempts=1)
    sync_courses(root)


def test_learning_requests_commit_once(client, auth, make_user, published, commits):
    make_user("learner@example.org")
    assert commits_during(commits, lambda: auth.sign_in("learner@example.org")) == 1
    assert commits_during(commits, lambda: client.get("/modules/quiz-module/lesson-1")) == 1  # first visit
    assert commits_during(commits, lambda: client.get("/modules/quiz-module/lesson-1")) == 0  # a read: moments later
    for lesson in ("lesson-1", "lesson-2"):
        assert commits_during(commits, lambda lesson=lesson: auth.post(f"/modules/quiz-module/{lesson}/complete")) == 1
    assert commits_during(commits, lambda: auth.post("/modules/quiz-module/quiz")) == 1
    attempt = latest_attempt()
    for number, key in enumerate(RIGHT, start=1):
        data = {"answer": form_value(attempt, key, RIGHT[key]), "confidence": "3"}
        url = f"/modules/quiz-module/quiz/{attempt.id}/questions/{number}"
        assert commits_during(commits, lambda url=url, data=data: auth.post(url, data)) == 1
    assert commits_during(commits, lambda: auth.post(f"/modules/quiz-module/quiz/{attempt.id}/check")) == 1
    # refused (the only attempt is used): nothing written, nothing committed
    commits.clear()
    auth.post("/modules/quiz-module/quiz")
    assert len(commits) == 0 and latest_attempt().id == attempt.id
    assert commits_during(commits, lambda: auth.post("/language/cy", {"next": "/"})) == 1


def test_managers_requests_commit_once_and_mail_after_its_commit(client, auth, make_organisation, make_user,
                                                                  published, commits, monkeypatch):
    handed = []  # the consumer's work is its own: here only what the request hands to the queue
    monkeypatch.setattr("literacy.notifications.jobs.send_messages", lambda ids: handed.append(list(ids)))
    organisation = make_organisation("org-a")
    make_user("manager@a.example", organisation=organisation, roles=("manager", "org_admin"))
    people = make_people(organisation, 2)
    auth.sign_in("manager@a.example")
    assert commits_during(commits, lambda: auth.post("/organisations/org-a/cohorts/new", {"name": "Autumn"})) == 1
    cohort = db.session.scalar(select(Cohort))
    base = f"/organisations/org-a/cohorts/{cohort.id}"
    module = db.session.scalar(select(Module))
    assert commits_during(commits, lambda: auth.post(f"{base}/assignments", {"module": str(module.id)})) == 1
    add = f"{base}/members/add"
    assert commits_during(commits, lambda: auth.post(add, {"emails": people[0].email})) == 1
    assert commits_during(commits, lambda: auth.post(add, {"emails": "new@a.example"})) == 1
    assert len(handed) == 1 and len(handed[0]) == 1  # the invitation's email, queued in that commit, then handed over
    assert commits_during(commits, lambda: auth.post(f"{base}/members/{people[0].id}/remove")) == 1
    roles = f"/organisations/org-a/people/{people[1].id}/roles"
    assert commits_during(commits, lambda: auth.post(roles, {"roles": ["learner", "trainer"]})) == 1
