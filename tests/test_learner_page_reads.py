"""The learners' pages read in few statements (issue 16, PostgreSQL): what each one reads must stay equal
to the longer way it replaced, and a page that only reads sends nothing but its SELECTs on PostgreSQL.

- the catalogue's status, from one query, is ``Progress.status`` from ``progress_by_module``;
- My learning's programmes, read with the learner's other rows, are ``cohorts.programmes_joined``;
- on PostgreSQL a GET that only reads runs in autocommit (no ``BEGIN``/``ROLLBACK`` round trips), while a
  GET that writes (a first opening) and a form's POST write in one transaction, as before.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from literacy.cohorts import service as cohorts
from literacy.extensions import db
from literacy.learning import service
from literacy.learning.my_learning import my_learning
from literacy.models import Certificate, CohortMember, Module, ModuleCompletion, utcnow
from literacy.publishing import sync_courses

from .cohorts_support import make_cohort
from .conftest import TEST_DATABASE_URL, csrf_token
from .support.modules import write_module

ON_POSTGRESQL = bool(TEST_DATABASE_URL) and TEST_DATABASE_URL.startswith("postgresql")


@pytest.fixture
def learner(courses, make_organisation, make_user, auth):
    for slug in ("fresh", "started", "done", "expired", "revoked"):
        write_module(courses, slug, lessons=2, questions=0)
    sync_courses(courses)
    organisation = make_organisation("org-a")
    user = make_user("learner@example.org", organisation=organisation)
    auth.sign_in(user.email)
    return user


def module_id(slug: str) -> int:
    return db.session.scalar(select(Module.id).where(Module.slug == slug))


def statuses_both_ways(user) -> tuple[dict[str, str], dict[str, str]]:
    entries = service.catalogue(user, "en")
    progress = service.progress_by_module(user, [entry.module.id for entry in entries])
    quick = {entry.module.slug: entry.status for entry in entries}
    oracle = {
        entry.module.slug: progress.get(entry.module.id, service.NO_PROGRESS).status(entry.version)
        for entry in entries
    }
    return quick, oracle


def test_the_catalogue_status_is_the_progress_status(client, auth, learner):
    client.get("/modules/started/lesson-1")
    for slug in ("done", "expired", "revoked"):
        for lesson in ("lesson-1", "lesson-2"):
            assert auth.post(f"/modules/{slug}/{lesson}/complete").status_code == 302
    completion = {
        slug: db.session.scalar(select(ModuleCompletion.id).where(ModuleCompletion.module_id == module_id(slug)))
        for slug in ("expired", "revoked")
    }
    now = utcnow()
    db.session.execute(
        update(Certificate).where(Certificate.completion_id == completion["expired"]).values(valid_until=now)
    )
    db.session.execute(
        update(Certificate).where(Certificate.completion_id == completion["revoked"]).values(revoked_at=now)
    )
    db.session.commit()
    quick, oracle = statuses_both_ways(learner)
    assert quick == oracle
    assert quick == {
        "fresh": service.Status.NOT_STARTED,
        "started": service.Status.IN_PROGRESS,
        "done": service.Status.COMPLETED,
        "expired": service.Status.RENEWAL_DUE,
        "revoked": service.Status.RENEWAL_DUE,
    }
    page = client.get("/modules").get_data(as_text=True)
    assert page.count("Renewal due") >= 2


def test_my_learnings_programmes_are_the_programmes_joined(learner, make_organisation, make_user):
    own = db.session.get(type(learner), learner.id).memberships[0].organisation
    other = make_organisation("org-b", "Borough")
    third = make_organisation("org-c", "Another council")
    manager = make_user("manager@b.example", organisation=other, roles=("manager",))
    joined = [make_cohort(other, "Autumn"), make_cohort(third, "Spring"), make_cohort(other, "Winter")]
    left = make_cohort(other, "Left")
    home = make_cohort(own, "At home")
    for cohort in [*joined, left, home]:
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=learner.id))
    db.session.commit()
    db.session.execute(
        update(CohortMember).where(CohortMember.cohort_id == left.id).values(removed_at=utcnow() - timedelta(days=1))
    )
    db.session.commit()
    assert manager.id  # another person's cohorts: not the learner's
    found = [(c.id, c.name, o.name) for c, o in my_learning(learner, "en", utcnow().date()).programmes]
    expected = [(c.id, c.name, o.name) for c, o in cohorts.programmes_joined(learner)]
    assert found == expected
    assert [name for _, name, _ in found] == ["Spring", "Autumn", "Winter"]


def test_my_learning_and_the_catalogue_run_few_statements(client, learner):
    sent: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    client.get("/my-learning")  # the versions' lesson lists are read once, then kept (version_cache)
    try:
        sent.clear()
        client.get("/modules")
        catalogue = list(sent)
        sent.clear()
        client.get("/my-learning")
        mine = list(sent)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    # the session with the header's roles and, read with it, the modules with each one's status
    assert len(catalogue) == 1, "\n".join(catalogue)
    assert "user_session" in catalogue[0] and "module_completion" in catalogue[0]
    # the session with the modules and the assignments (auth.sessions.read_with_person); the learner's other
    # rows (completions with certificates, lessons, open attempts, programmes, self-assessments) in one union
    assert len(mine) == 2, "\n".join(mine)
    assert "user_session" in mine[0] and "cohort_assignment" in mine[0]


postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="PostgreSQL's transactions (the SQLite run "
                                     "has its own rules: extensions.py)")


def transaction_states(callable_) -> list[tuple[str, bool, str]]:
    """(first word of the statement, autocommit, the connection's transaction status after it)."""
    seen: list[tuple[str, bool, str]] = []

    def after(conn, cursor, statement, parameters, context, executemany):
        raw = conn.connection.dbapi_connection
        seen.append((statement.split()[0].upper(), raw.autocommit, raw.info.transaction_status.name))

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        callable_()
    finally:
        event.remove(db.engine, "after_cursor_execute", after)
    return seen


@postgresql_only
def test_a_page_that_only_reads_sends_no_begin(client, learner):
    client.get("/modules/started/lesson-1")  # opened before: the next opening writes nothing
    for path in ("/modules", "/my-learning", "/modules/started/lesson-1"):
        seen = transaction_states(lambda path=path: client.get(path))
        assert seen and all(autocommit and status == "IDLE" for _, autocommit, status in seen), (path, seen)


@postgresql_only
def test_a_get_that_writes_and_a_post_write_in_one_transaction(client, learner):
    seen = transaction_states(lambda: client.get("/modules/fresh/lesson-1"))  # a first opening writes
    writes = [entry for entry in seen if entry[0] != "SELECT"]
    assert writes and all(not autocommit and status == "INTRANS" for _, autocommit, status in writes), seen
    token = csrf_token(client)
    posted = transaction_states(lambda: client.post("/modules/fresh/lesson-1/complete", data={"csrf_token": token}))
    assert posted and all(not autocommit for _, autocommit, _status in posted), posted
    assert service.progress_by_module(learner, [module_id("fresh")])[module_id("fresh")].completed_lessons == {
        "lesson-1"
    }


@postgresql_only
def test_a_readers_advisory_lock_begins_its_transaction(app):
    """A transaction-level advisory lock taken in a GET (the site administrators' lock) would end with its
    statement in autocommit; it counts as a first write, so the lock is held until the commit."""
    from sqlalchemy import func

    with app.test_request_context("/", method="GET"):
        seen = transaction_states(lambda: db.session.execute(select(func.pg_advisory_xact_lock(1234))))
        assert seen == [("SELECT", False, "INTRANS")], seen
        db.session.rollback()
