"""Races (issue 13): concurrent requests never make a 500, never break a rule, and leave nothing half-done.

Each test releases at least eight requests at the same moment (a barrier), each from its own test client
(its own session, its own database connection), on SQLite (the test database is a file, in WAL mode) and on
PostgreSQL alike. What they prove:

- starting the assessment on a one-attempt module makes one attempt, and none once it is used;
- two trainers publishing at once never see "database is locked"; a double-clicked publish makes one
  version and tells the other clicks it was published a moment ago;
- creating a cohort or a module under a name another request is creating at that moment shows the form's
  normal error with what was typed.
"""

from __future__ import annotations

import smtplib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask, has_request_context, request
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from literacy.authoring import drafts
from literacy.cohorts import service as cohort_service
from literacy.extensions import db, writing
from literacy.learning import quiz, service
from literacy.models import (
    AuditEvent,
    Cohort,
    CohortAssignment,
    Invitation,
    LessonProgress,
    Membership,
    Module,
    ModuleDraft,
    ModuleVersion,
    QuizAttempt,
    User,
    utcnow,
)
from literacy.publishing import sync_courses

from .authoring_support import make_draft
from .cohorts_support import make_cohort
from .conftest import PASSWORD, csrf_token, make_app, make_config
from .quiz_support import WRONG, write_quiz_module
from .support.mail import mail_config
from .test_migrations import empty_database_url  # noqa: F401 - a fixture

REQUESTS = 8


def signed_in(app: Flask, email: str, count: int = REQUESTS) -> list[tuple[Any, str]]:
    """``count`` browsers, each signed in as ``email`` with its own session, and each one's form token."""
    browsers = []
    for _ in range(count):
        client = app.test_client()
        form = {"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)}
        response = client.post("/sign-in", data=form)
        assert response.status_code == 302
        browsers.append((client, csrf_token(client)))
    return browsers


def all_at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(index)`` in ``count`` threads released together by a barrier; their results in order."""
    start = threading.Barrier(count)

    def run(index: int) -> Any:
        start.wait(timeout=10)
        return work(index)

    db.session.remove()  # the test's own session holds no connection (nor a lock) while the requests run
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def post_all(browsers: list[tuple[Any, str]], path: str | Callable[[int], str], data: dict[str, str] | None = None):
    """Every browser posts the form at the same moment; (status, location, page) for each."""

    def post(index: int) -> tuple[int, str | None, str]:
        client, token = browsers[index]
        target = path(index) if callable(path) else path
        try:
            response = client.post(target, data={**(data or {}), "csrf_token": token})
        except Exception as error:  # noqa: BLE001 - TESTING propagates errors: counted as the 500 it would be
            return 500, None, repr(error)
        return response.status_code, response.headers.get("Location"), response.get_data(as_text=True)

    return all_at_once(len(browsers), post)


def count(model: Any, *where: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- the database itself ---------------------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 10_000


def test_pages_are_read_while_a_writer_holds_the_database(app, make_user):
    """Reads stay concurrent: a page loads while another transaction has started as a writer and waits."""
    make_user("reader@example.org")
    db.session.commit()
    browsers = signed_in(app, "reader@example.org")
    db.session.remove()
    with writing():
        connection = db.engine.connect()
        transaction = connection.begin()  # BEGIN IMMEDIATE on SQLite: holds the write lock until rolled back
        connection.execute(text("UPDATE \"user\" SET name = name WHERE email = 'reader@example.org'"))
        try:
            began = time.monotonic()
            pages = all_at_once(REQUESTS, lambda index: browsers[index][0].get("/my-learning").status_code)
            elapsed = time.monotonic() - began
        finally:
            transaction.rollback()
            connection.close()
    assert pages == [200] * REQUESTS
    assert elapsed < 5, elapsed  # nobody waited for the writer


def test_one_open_attempt_per_learner_module_and_purpose_is_a_unique_index(app, tmp_path, make_user):
    write_quiz_module(tmp_path, "indexed")
    sync_courses(tmp_path)
    user = make_user("i@example.org")
    module = db.session.scalar(select(Module).where(Module.slug == "indexed"))
    fields = {"user_id": user.id, "module_id": module.id, "version_id": module.current_version_id, "language": "en"}
    db.session.add(QuizAttempt(**fields, purpose="assessment", submitted_at=utcnow()))  # closed ones: any number
    db.session.add(QuizAttempt(**fields, purpose="assessment", submitted_at=utcnow()))
    db.session.add(QuizAttempt(**fields, purpose="assessment"))
    db.session.add(QuizAttempt(**fields, purpose="precheck"))  # another purpose may be open too
    db.session.commit()
    db.session.add(QuizAttempt(**fields, purpose="assessment"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- attempts ----------------------------------------------------------------------------------------------


@pytest.fixture
def one_attempt_module(app, tmp_path, make_user):
    """A module allowing one attempt, its lessons done by the learner, who is signed in from REQUESTS tabs."""
    write_quiz_module(tmp_path, "once", max_attempts=1)
    sync_courses(tmp_path)
    user = make_user("once@example.org")
    module, version = service.find_module(user, "once")
    for lesson in ("lesson-1", "lesson-2"):
        service.complete_lesson(user, module, version, lesson)
    db.session.commit()
    return user.id, module.id, signed_in(app, "once@example.org")


def test_starting_a_one_attempt_assessment_from_many_tabs_at_once_makes_one_attempt(one_attempt_module):
    user_id, module_id, browsers = one_attempt_module
    outcomes = post_all(browsers, "/modules/once/quiz")
    assert all(status == 302 for status, _location, _page in outcomes), outcomes
    attempt_id = db.session.scalar(select(QuizAttempt.id).where(QuizAttempt.module_id == module_id))
    assert {location for _status, location, _page in outcomes} == {f"/modules/once/quiz/{attempt_id}/questions/1"}
    assert count(QuizAttempt, QuizAttempt.module_id == module_id) == 1


def test_no_attempt_starts_past_the_limit_however_many_tabs_ask(one_attempt_module):
    user_id, module_id, browsers = one_attempt_module
    user = db.session.get(User, user_id)
    module, version = service.find_module(user, "once")
    attempt = quiz.start_attempt(user, module, version, "assessment", "en")
    for key, answer in WRONG.items():
        quiz.save_answer(attempt.id, key, answer, 3)
    db.session.commit()
    assert quiz.submit_attempt(user, attempt.id).outcome == quiz.Outcome.GRADED
    db.session.commit()

    outcomes = post_all(browsers, "/modules/once/quiz")

    assert [(status, location) for status, location, _page in outcomes] == [(302, "/modules/once/quiz")] * REQUESTS
    assert count(QuizAttempt, QuizAttempt.module_id == module_id) == 1


def test_service_calls_outside_requests_start_one_attempt_when_they_write(app, one_attempt_module):
    """Code outside a request (a command, a job) marks its writing transactions with ``writing()``."""
    user_id, module_id, _browsers = one_attempt_module

    def begin(_index: int) -> int:
        with app.app_context(), writing():
            try:
                person = db.session.get(User, user_id)
                module, version = service.find_module(person, "once")
                attempt = quiz.start_attempt(person, module, version, "assessment", "en")
                db.session.commit()
                return attempt.id
            finally:
                db.session.remove()

    assert len(set(all_at_once(REQUESTS, begin))) == 1
    assert count(QuizAttempt, QuizAttempt.module_id == module_id) == 1


# --- publishing --------------------------------------------------------------------------------------------


@pytest.fixture
def trainers(app, make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    first = make_user("tess@example.org", organisation=organisation, roles=("trainer",))
    second = make_user("tom@example.org", organisation=organisation, roles=("trainer",))
    make_draft(organisation, first, "first-module", "First module")
    make_draft(organisation, second, "second-module", "Second module")
    return organisation


def message_after(client: Any, location: str) -> str:
    return client.get(location).get_data(as_text=True)


def test_two_trainers_publishing_at_once_never_see_the_database_locked(app, trainers):
    """Twelve publish requests from two trainers, six each, on two modules at the same moment."""
    browsers = signed_in(app, "tess@example.org", 6) + signed_in(app, "tom@example.org", 6)
    slugs = ["first-module"] * 6 + ["second-module"] * 6

    outcomes = post_all(browsers, lambda index: f"/author/org-a/modules/{slugs[index]}/publish", {"number": "1"})

    assert [status for status, _location, _page in outcomes] == [302] * 12, [page[:300] for *_s, page in outcomes]
    for slug in ("first-module", "second-module"):
        module_id = db.session.scalar(select(Module.id).where(Module.slug == slug))
        assert count(ModuleVersion, ModuleVersion.module_id == module_id) == 1


def test_a_double_clicked_first_publish_makes_one_version_and_says_so(app, trainers):
    """Every press comes from the page offering "Publish version 1" (the form posts that number)."""
    browsers = signed_in(app, "tess@example.org")
    page = browsers[0][0].get("/author/org-a/modules/first-module").get_data(as_text=True)
    assert '<input type="hidden" name="number" value="1">' in page

    outcomes = post_all(browsers, "/author/org-a/modules/first-module/publish", {"number": "1"})

    assert {(status, location) for status, location, _page in outcomes} == {
        (302, "/author/org-a/modules/first-module")
    }
    pages = [message_after(client, "/author/org-a/modules/first-module") for client, _token in browsers]
    assert sum("Version 1 published." in page for page in pages) == 1
    assert sum("This draft was published a moment ago as version 1." in page for page in pages) == REQUESTS - 1
    assert count(Module, Module.slug == "first-module") == 1
    assert count(ModuleVersion) == 1


# --- names another request is taking -----------------------------------------------------------------------


@pytest.fixture
def managers(app, make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@example.org", organisation=organisation, roles=("manager",))
    make_user("trainer@example.org", organisation=organisation, roles=("trainer",))
    return organisation


def test_creating_one_cohort_name_from_many_requests_makes_one_and_shows_the_form_error(app, managers):
    browsers = signed_in(app, "manager@example.org")

    outcomes = post_all(browsers, "/organisations/org-a/cohorts/new", {"name": "Autumn intake", "description": ""})

    statuses = sorted(status for status, _location, _page in outcomes)
    assert statuses == [200] * (REQUESTS - 1) + [302], statuses
    for status, _location, page in outcomes:
        if status == 200:
            assert "There is already a cohort with this name" in page and 'value="Autumn intake"' in page
            assert "<title>Error: " in page
    assert count(Cohort) == 1
    assert count(AuditEvent, AuditEvent.action == "cohort.created") == 1


def test_creating_one_module_slug_from_many_requests_makes_one_draft_and_shows_the_form_error(app, managers):
    browsers = signed_in(app, "trainer@example.org")

    outcomes = post_all(browsers, "/author/org-a/new", {"title": "Racing", "slug": "racing"})

    statuses = sorted(status for status, _location, _page in outcomes)
    assert statuses == [200] * (REQUESTS - 1) + [302], statuses
    for status, _location, page in outcomes:
        if status == 200:
            assert "A module with this web address name already exists" in page and 'value="racing"' in page
    assert count(ModuleDraft) == 1


def test_a_unique_violation_the_check_missed_shows_the_cohort_form_error(app, managers, auth, monkeypatch):
    """The database's rule is the last word: when the name check says free but the insert collides (another
    request committed in between, as happens on PostgreSQL), the form says so instead of a 500."""
    organisation = managers
    cohort_service.create_cohort(
        db.session.get(User, 1) or db.session.scalar(select(User)), organisation, "Taken", None, None, ""
    )
    db.session.commit()
    monkeypatch.setattr(cohort_service, "name_taken", lambda *args, **kwargs: False)
    auth.sign_in("manager@example.org")
    response = auth.post("/organisations/org-a/cohorts/new", {"name": "Taken", "description": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is already a cohort with this name" in page and 'value="Taken"' in page
    assert count(Cohort) == 1


def test_a_unique_violation_the_check_missed_shows_the_new_module_form_error(app, managers, auth, monkeypatch):
    trainer = db.session.scalar(select(User).where(User.email == "trainer@example.org"))
    make_draft(managers, trainer, "taken", "Taken")
    monkeypatch.setattr(drafts, "slug_taken", lambda slug: False)
    auth.sign_in("trainer@example.org")
    response = auth.post("/author/org-a/new", {"title": "Mine", "slug": "taken"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A module with this web address name already exists" in page and 'value="taken"' in page
    assert count(ModuleDraft) == 1


def test_assigning_one_module_from_many_requests_at_once_makes_one_assignment(app, managers, tmp_path):
    write_quiz_module(tmp_path, "assigned")
    sync_courses(tmp_path)
    module_id = db.session.scalar(select(Module.id).where(Module.slug == "assigned"))
    cohort_id = make_cohort(managers, "Spring").id
    db.session.commit()
    browsers = signed_in(app, "manager@example.org")

    outcomes = post_all(
        browsers, f"/organisations/org-a/cohorts/{cohort_id}/assignments", {"module": str(module_id), "due_on": ""}
    )

    assert {(status, location) for status, location, _page in outcomes} == {
        (302, f"/organisations/org-a/cohorts/{cohort_id}")
    }
    assert count(CohortAssignment) == 1


def test_two_administrators_taking_each_others_role_at_once_leave_one(app, managers, make_user):
    """Four requests each way at the same moment: role changes queue per organisation, so the last
    administrator is always kept (the loser is refused, or no longer an administrator at all)."""
    ada = make_user("ada@example.org", organisation=managers, roles=("org_admin",))
    bob = make_user("bob@example.org", organisation=managers, roles=("org_admin",))
    targets = {"ada@example.org": bob.id, "bob@example.org": ada.id}
    organisation_id = managers.id
    db.session.commit()
    browsers = signed_in(app, "ada@example.org", REQUESTS // 2) + signed_in(app, "bob@example.org", REQUESTS // 2)
    people = [targets["ada@example.org"]] * (REQUESTS // 2) + [targets["bob@example.org"]] * (REQUESTS // 2)

    def path(index: int) -> str:
        return f"/organisations/org-a/people/{people[index]}/roles"

    outcomes = post_all(browsers, path, {"roles": "learner"})

    assert {status for status, _location, _page in outcomes} <= {200, 302, 403}, outcomes
    assert count(Membership, Membership.organisation_id == organisation_id, Membership.role == "org_admin") == 1


def test_the_upgrade_keeps_the_newest_of_several_open_attempts(empty_database_url, tmp_path):  # noqa: F811
    """Migration 0007 on a database where races left open attempts side by side: the newest stays (the one
    the intro page resumed), the others go with their answers, closed attempts are untouched."""
    migrating = make_app(make_config(empty_database_url))
    with migrating.app_context():
        upgrade()  # the module and the person are written with today's models, at the head ...
        write_quiz_module(tmp_path, "before")
        sync_courses(tmp_path)
        db.session.add(User(email="old@example.org", name="Old"))
        db.session.commit()
        user_id = db.session.scalar(select(User.id))
        module_id, version_id = db.session.execute(select(Module.id, Module.current_version_id)).one()
        db.session.remove()
        downgrade(revision="0006")  # ... and the attempts at 0006, as plain rows (the models are newer)
        table = QuizAttempt.__table__
        fields = {"user_id": user_id, "module_id": module_id, "version_id": version_id, "language": "en",
                  "option_order": {}, "started_at": utcnow(), "submitted_at": None}
        rows = [{**fields, "purpose": "assessment"} for _ in range(3)]
        rows.append({**fields, "purpose": "assessment", "submitted_at": utcnow()})
        rows.append({**fields, "purpose": "precheck"})
        ids = []
        for row in rows:
            ids.append(db.session.execute(table.insert().values(**row).returning(table.c.id)).scalar_one())
        db.session.commit()
        db.session.remove()
        upgrade()
        kept = set(db.session.scalars(select(QuizAttempt.id)))
        assert kept == {ids[2], ids[3], ids[4]}
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_opening_a_lesson_for_the_first_time_in_many_tabs_at_once_records_it_once(app, tmp_path, make_user):
    """A GET that writes (the lesson visit) is a reader that writes at the end: its INSERT waits its turn
    and a lost race is accepted in a savepoint, so every tab gets the page and one row is kept."""
    write_quiz_module(tmp_path, "visited")
    sync_courses(tmp_path)
    make_user("visitor@example.org")
    db.session.commit()
    browsers = signed_in(app, "visitor@example.org")

    pages = all_at_once(REQUESTS, lambda index: browsers[index][0].get("/modules/visited/lesson-1").status_code)

    assert pages == [200] * REQUESTS
    assert count(LessonProgress) == 1


# --- mail goes out with no transaction open ----------------------------------------------------------------


@pytest.fixture
def app_config(request):
    """Mail to the test's SMTP inbox in the tests that ask for one."""
    return mail_config(request.getfixturevalue("inbox")) if "inbox" in request.fixturenames else {}


def test_no_page_talks_to_the_mail_server(app, inbox, auth, managers, make_user, monkeypatch):
    """On SQLite a post's transaction holds the one write lock: were a page to wait for a slow mail server
    with it open, every other save would wait. Pages only queue their messages in the outbox (in their
    one transaction); the task queue's consumer sends them afterwards, outside any request."""
    from literacy.notifications import delivery, jobs

    make_user("admin@example.org", organisation=managers, roles=("org_admin",))
    cohort_id = make_cohort(managers, "Mailing").id
    db.session.commit()
    connected_in_a_request: list[str] = []
    connect = smtplib.SMTP.connect

    def watched(self, *args, **kwargs):  # noqa: ANN001, ANN202
        if has_request_context():
            connected_in_a_request.append(request.path)
        return connect(self, *args, **kwargs)

    handed: list[int] = []
    monkeypatch.setattr(smtplib.SMTP, "connect", watched)
    monkeypatch.setattr(jobs, "send_messages", handed.extend)  # as with a real queue: a consumer sends
    auth.sign_in("admin@example.org")
    auth.post("/organisations/org-a/people/invite", {"email": "new@example.org", "name": "Nia", "role": "learner"})
    invitation_id = db.session.scalar(select(Invitation.id))
    db.session.remove()
    auth.post(f"/organisations/org-a/invitations/{invitation_id}/resend")
    auth.post(f"/organisations/org-a/cohorts/{cohort_id}/members/add", {"emails": "guest@example.org"})
    auth.sign_out()
    auth.post("/password-reset", {"email": "manager@example.org"})
    assert inbox.messages == [] and len(handed) == 4  # each page queued its message and handed it over

    counts = delivery.send_due(ids=handed)  # the consumer, outside any request
    assert (counts["sent"], counts["skipped"]) == (3, 1)  # the first invitation's link was replaced
    assert sorted(message["To"] for message in inbox.messages) == [
        "guest@example.org", "manager@example.org", "new@example.org"
    ]
    assert connected_in_a_request == []
