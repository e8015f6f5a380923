"""A signed-in lesson page is a read (issue 16): what it writes, what it reads, and what it keeps.

Opening a lesson again moments later writes nothing; the first opening still counts in the summaries, and a
later one moves the times forward without a lock. What belongs to a published version (the lesson's HTML,
the contents, the checks) is kept per version, so a new version shows its own content at once, and the page
runs a small, fixed number of statements whatever the size of the module.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, event, select

from literacy import summaries
from literacy.cohorts import service as cohorts
from literacy.cohorts.roster import Candidate
from literacy.extensions import db
from literacy.learning import service, version_cache
from literacy.models import CohortLearnerSummary, LearnerModuleSummary, LessonProgress, Module, utcnow
from literacy.publishing import sync_courses

from .cohorts_support import make_cohort
from .conftest import PASSWORD, csrf_token
from .support.modules import write_module


def statements_of(callable_) -> list[str]:
    """Every SQL statement ``callable_`` sends, in order."""
    sent: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        callable_()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return sent


def writes(sent: list[str]) -> list[str]:
    """The statements that write, as their verb and table ("UPDATE lesson_progress", "INSERT lesson_progress")."""
    reads = ("SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")
    found = [s.replace("INSERT INTO ", "INSERT ", 1) for s in sent if not s.upper().startswith(reads)]
    return [" ".join(s.split()[:2]).replace('"', "") for s in found]


def module_id(slug: str) -> int:
    return db.session.scalar(select(Module.id).where(Module.slug == slug))


@pytest.fixture
def learner(courses, make_organisation, make_user, auth):
    """A learner of an organisation, in a cohort that has "test-module" assigned, signed in."""
    write_module(courses, "test-module", lessons=3)
    write_module(courses, "large", lessons=12, questions=20)
    sync_courses(courses)
    organisation = make_organisation("org-a")
    manager = make_user("manager@example.org", organisation=organisation, roles=("manager",))
    user = make_user("learner@example.org", organisation=organisation)
    cohort = make_cohort(organisation, "Everyone")
    cohorts.add_members(manager, cohort, [Candidate(1, user.email)])
    cohorts.assign_module(manager, cohort, db.session.get(Module, module_id("test-module")), None)
    db.session.commit()
    auth.sign_in(user.email)
    user.cohort_id = cohort.id
    return user


def test_a_first_opening_counts_in_the_summaries(client, learner):
    sent = statements_of(lambda: client.get("/modules/test-module/lesson-1"))
    assert writes(sent) == [
        "INSERT lesson_progress", "INSERT learner_module_summary", "INSERT cohort_learner_summary"
    ], sent
    key = (learner.id, module_id("test-module"))
    started = db.session.scalar(select(LessonProgress.started_at).where(LessonProgress.user_id == learner.id))
    assert db.session.get(LearnerModuleSummary, key).last_activity_at == started
    assert db.session.get(CohortLearnerSummary, (learner.cohort_id, learner.id)).started is True
    assert summaries.differences() == []


def test_opening_a_lesson_again_moments_later_writes_nothing(client, learner):
    assert client.get("/modules/test-module/lesson-1").status_code == 200
    before = db.session.scalar(select(LessonProgress.started_at))
    sent = statements_of(lambda: client.get("/modules/test-module/lesson-1"))
    assert writes(sent) == [], sent
    assert not [s for s in sent if "FOR UPDATE" in s or "ON CONFLICT" in s]
    db.session.expire_all()
    assert db.session.scalar(select(LessonProgress.started_at)) == before
    assert summaries.differences() == []


def test_opening_it_again_after_a_while_moves_both_times_without_a_lock(client, learner, monkeypatch):
    client.get("/modules/test-module/lesson-1")
    later = utcnow() + service.VISIT_RESOLUTION + timedelta(seconds=5)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    sent = statements_of(lambda: client.get("/modules/test-module/lesson-1"))
    assert writes(sent) == ["UPDATE lesson_progress", "UPDATE learner_module_summary"], sent
    assert not [s for s in sent if "FOR UPDATE" in s or "ON CONFLICT" in s]
    db.session.expire_all()
    assert db.session.scalar(select(LessonProgress.started_at)) == later
    assert db.session.get(LearnerModuleSummary, (learner.id, module_id("test-module"))).last_activity_at == later
    assert summaries.differences() == []


def test_the_lesson_page_runs_a_small_fixed_number_of_statements(client, learner):
    for path in ("/modules/test-module/lesson-1", "/modules/large/lesson-1", "/modules/large/lesson-11"):
        client.get(path)  # started, and the versions' lessons read once
    small = statements_of(lambda: client.get("/modules/test-module/lesson-1"))
    large = statements_of(lambda: client.get("/modules/large/lesson-11"))
    # one statement: the person's session with their roles for the header, and with it the module with its
    # live version and their row for the lesson (auth.sessions.read_with_person)
    assert len(small) == len(large) == 1, "\n".join(large)
    assert "lesson_progress" in large[0] and "user_session" in large[0]
    assert not [s for s in large if "source" in s.split(" FROM ")[0]], "the stored source files were read"
    assert sum(1 for s in large if 'FROM "user"' in s or "FROM user " in s) == 1, "the user was loaded again"


def test_the_catalogue_and_my_learning_do_not_grow_with_the_modules(client, courses, learner):
    catalogue = statements_of(lambda: client.get("/modules"))
    mine = statements_of(lambda: client.get("/my-learning"))
    for number in range(3):
        write_module(courses, f"more-{number}", lessons=4)
    sync_courses(courses)
    assert len(statements_of(lambda: client.get("/modules"))) == len(catalogue) <= 5
    assert len(statements_of(lambda: client.get("/my-learning"))) == len(mine)
    assert not [s for s in catalogue + mine if "module_version.source" in s], "the stored source files were read"


def test_a_new_version_shows_its_own_content_at_once(client, courses, learner):
    assert "Body of lesson 2." in client.get("/modules/test-module/lesson-2").get_data(as_text=True)
    write_module(courses, "test-module", lessons=4, body_suffix=" Revised.")
    sync_courses(courses)
    page = client.get("/modules/test-module/lesson-2").get_data(as_text=True)
    assert "Body of lesson 2. Revised." in page and "Lesson 2 of 4" in page
    assert client.get("/modules/test-module/lesson-4").status_code == 200


def test_a_module_published_again_after_being_deleted_shows_its_new_content(client, courses, learner):
    """SQLite can give a new version the id of a deleted one: the cache's key is more than the id."""
    assert "Body of lesson 1." in client.get("/modules/large/lesson-1").get_data(as_text=True)
    db.session.execute(delete(Module).where(Module.slug == "large"))
    db.session.commit()
    write_module(courses, "large", lessons=12, questions=20, body_suffix=" Second life.")
    sync_courses(courses)
    assert "Body of lesson 1. Second life." in client.get("/modules/large/lesson-1").get_data(as_text=True)


def test_the_lesson_cache_is_bounded_and_keeps_nothing_for_missing_lessons(client, learner, monkeypatch):
    monkeypatch.setattr(version_cache._lessons, "cap", 2)
    version_cache.clear()
    for number in range(1, 6):
        assert client.get(f"/modules/large/lesson-{number}").status_code == 200
    assert client.get("/modules/large/no-such-lesson").status_code == 404
    assert len(version_cache._lessons.items) == 2
    assert all(key[1] != "no-such-lesson" for key in version_cache._lessons.items)


def test_a_knowledge_check_is_marked_from_the_kept_version(client, auth, learner):
    response = auth.post("/modules/large/lesson-3/checks/check-lesson-3", {"answer": "1"})  # the first option
    assert response.status_code == 302
    page = client.get("/modules/large/lesson-3").get_data(as_text=True)
    assert "Correct." in page and "Secret right feedback for lesson-3." in page


def test_lessons_of_organisations_stay_private_with_the_cache(client, courses, auth, learner, make_organisation,
                                                              make_user):
    """The kept lesson belongs to the version, not to whoever read it first: visibility is checked each time."""
    client.get("/modules/test-module/lesson-1")
    module = db.session.get(Module, module_id("test-module"))
    module.organisation_id = make_organisation("other").id
    db.session.commit()
    assert client.get("/modules/test-module/lesson-1").status_code == 404


def _check_form_token(page: str) -> str:
    form = page[page.index('<div class="knowledge-check"') :]
    return re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)


def test_a_kept_knowledge_check_carries_each_persons_own_form_token(app, client, learner, make_user):
    """The check's HTML is kept per version, but its form token is this person's: the second learner's
    answer, posted with the token from their own page, is accepted."""
    first = client.get("/modules/large/lesson-2").get_data(as_text=True)
    other = app.test_client()
    make_user("second@example.org")
    token = csrf_token(other)
    other.post("/sign-in", data={"email": "second@example.org", "password": PASSWORD, "csrf_token": token})
    second = other.get("/modules/large/lesson-2").get_data(as_text=True)
    assert "\x00" not in first + second
    assert _check_form_token(first) != _check_form_token(second)
    answer = {"answer": "1", "csrf_token": _check_form_token(second)}
    assert other.post("/modules/large/lesson-2/checks/check-lesson-2", data=answer).status_code == 302
    assert "Secret right feedback for lesson-2." in other.get("/modules/large/lesson-2").get_data(as_text=True)


def test_a_kept_knowledge_check_is_in_the_interface_language(client, learner):
    english = client.get("/modules/large/lesson-1").get_data(as_text=True)
    welsh = client.get("/modules/large/lesson-1", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert "Check your understanding" in english and "Profwch eich dealltwriaeth" in welsh


def test_a_lesson_opened_when_the_clock_went_back_recomputes_the_summary(client, learner, monkeypatch):
    client.get("/modules/test-module/lesson-1")
    earlier = db.session.scalar(select(LessonProgress.started_at)) - timedelta(hours=1)
    monkeypatch.setattr(service, "utcnow", lambda: earlier)
    assert client.get("/modules/test-module/lesson-1").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(LessonProgress.started_at)) == earlier
    assert db.session.get(LearnerModuleSummary, (learner.id, module_id("test-module"))).last_activity_at == earlier
    assert summaries.differences() == []


# The lesson page reads only its version's key with the module and takes the version's other columns from
# version_cache (read once per process and version), so what it shows is still the live version's.


def module_statement(sent: list[str]) -> str:
    return next(s for s in sent if " FROM module " in s or ' FROM "module" ' in s)


def test_the_lesson_page_reads_the_version_once_then_only_its_key(client, learner):
    client.get("/modules/large/lesson-1")  # started
    version_cache.clear()
    cold = statements_of(lambda: client.get("/modules/large/lesson-1"))
    assert len([s for s in cold if "module_version.texts" in s]) == 1, "the version's columns read once, by id"
    warm = statements_of(lambda: client.get("/modules/large/lesson-1"))
    assert len(warm) == 1, "\n".join(warm)  # the session, with the module, the version's key and the row
    selected = module_statement(warm).split(" FROM module ")[0]  # what is selected, the module's too
    assert "module_version.content_hash" in selected and "module_version.texts" not in selected
    assert not [s for s in warm if "module_version.texts" in s], "the version was kept"


def test_a_new_version_shows_its_own_title_at_once(client, courses, learner):
    assert "Test module" in client.get("/modules/test-module/lesson-1").get_data(as_text=True)
    write_module(courses, "test-module", lessons=3, title="Renamed module", edition=2)
    sync_courses(courses)
    page = client.get("/modules/test-module/lesson-1").get_data(as_text=True)
    assert "Renamed module" in page and "Test module" not in page


def test_a_reused_version_id_is_never_another_versions(client, courses, learner):
    old = client.get("/modules/large/lesson-1").get_data(as_text=True)
    assert "Test module" in old
    db.session.execute(delete(Module).where(Module.slug == "large"))
    db.session.commit()
    write_module(courses, "large", lessons=12, questions=20, title="Second life")
    sync_courses(courses)
    page = client.get("/modules/large/lesson-1").get_data(as_text=True)
    assert "Second life" in page and "Test module" not in page


def test_the_row_read_with_the_person_is_the_one_the_page_would_read(client, courses, auth, make_organisation,
                                                                     make_user):
    """``auth.sessions.read_with_person``: a member's lesson row comes with their session (one statement), by
    the same rule as ``find_lesson_visit``'s own statement; a site administrator, who may open every module,
    takes the page's own statement instead."""
    write_module(courses, "private")
    sync_courses(courses)
    own, other = make_organisation("own"), make_organisation("other")
    db.session.get(Module, module_id("private")).organisation_id = own.id
    db.session.commit()
    for email, organisation, admin, status, together in (
        ("insider@example.org", own, False, 200, True),
        ("outsider@example.org", other, False, 404, True),
        ("admin@example.org", None, True, 200, False),
    ):
        make_user(email, organisation=organisation, site_admin=admin)
        auth.sign_in(email)
        client.get("/modules/private/lesson-2")  # started (a write), so the next opening is a read
        sent = statements_of(lambda: client.get("/modules/private/lesson-2"))
        assert client.get("/modules/private/lesson-2").status_code == status, email
        lesson_rows = [s for s in sent if "lesson_progress" in s]  # the session's (read for every GET) and
        # for an administrator the page's own
        assert len(lesson_rows) == (1 if together else 2) and "user_session" in lesson_rows[0], (email, sent)
        assert ("user_session" in lesson_rows[-1]) == together, (email, sent)
        if not admin:
            assert len(sent) == 1, (email, sent)
        # the catalogue's rows come with the person too, by the same rule
        assert ('href="/modules/private"' in client.get("/modules").get_data(as_text=True)) == (status == 200)
        auth.sign_out()
