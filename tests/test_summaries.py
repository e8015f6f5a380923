"""The dashboards' derived tables stay equal to a fresh computation from the raw rows, whatever people do.

Everything here goes through the application's own service functions (lessons, quizzes, cohort changes),
then compares the stored tables with ``summaries.differences`` (a full recomputation).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from alembic.migration import MigrationContext
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update

from literacy import create_app, summaries
from literacy.cohorts import dashboards
from literacy.cohorts import service as cohorts
from literacy.extensions import db
from literacy.learning import quiz
from literacy.learning import service as learning
from literacy.models import (
    CohortAnswerTally,
    CohortLearnerSummary,
    LearnerModuleSummary,
    LessonProgress,
    Module,
    ModuleVersion,
    User,
)
from literacy.organisations import dashboard as org_dashboard
from literacy.organisations import service as organisations

from .cohorts_support import make_cohort, make_module, make_people
from .conftest import make_config
from .test_migrations import empty_database_url  # noqa: F401  (a fixture)

TODAY = date(2026, 11, 23)
worlds = itertools.count()


class World:
    """Two cohorts of one organisation, four people, two modules (one with a pre-check and confidence)."""

    def __init__(self, make_organisation, make_user) -> None:
        number = next(worlds)
        self.organisation = make_organisation(f"org-{number}")
        self.manager = make_user(f"manager{number}@example.org", organisation=self.organisation, roles=("manager",))
        self.people = make_people(self.organisation, 4, prefix=f"p{number}-")
        self.modules = [
            make_module(f"basics-{number}", questions=3),
            make_module(f"law-{number}", questions=2, precheck=True, confidence=True),
        ]
        self.cohorts = [make_cohort(self.organisation, f"Cohort {number}-{n}") for n in range(2)]
        self.other = make_organisation(f"org-{number}-other")  # people may join and leave it too

    def version(self, module: Module) -> ModuleVersion:
        return db.session.get(ModuleVersion, module.current_version_id)

    def apply(self, step: tuple) -> None:
        kind, *args = step
        if kind == "visit":  # as the lesson page does it, with the progress it loaded, or without
            person, module = self.people[args[0]], self.modules[args[1]]
            loaded = learning.progress_by_module(person, [module.id])[module.id] if args[3:4] == [True] else None
            learning.record_visit(person, module, self.version(module), f"lesson-{args[2]}", loaded)
        elif kind == "complete":
            person, module = self.people[args[0]], self.modules[args[1]]
            learning.complete_lesson(person, module, self.version(module), f"lesson-{args[2]}")
        elif kind == "attempt":
            person, module = self.people[args[0]], self.modules[args[1]]
            purpose = "precheck" if args[2] and args[1] == 1 else "assessment"
            version = self.version(module)
            try:
                attempt = quiz.start_attempt(person, module, version, purpose, "en")
            except quiz.QuizError:
                db.session.rollback()
                return
            for row in quiz.questions_in(version.id, "en", purpose, "en"):
                confidence = args[4] if row.ask_confidence else None
                quiz.save_answer(attempt.id, row.key, args[3], confidence)
            db.session.commit()
            quiz.submit_attempt(person, attempt.id)
            return
        elif kind == "add":
            person = self.people[args[1]]
            cohorts.add_members(self.manager, self.cohorts[args[0]], [cohorts.Candidate(1, person.email)])
        elif kind == "remove":
            cohorts.remove_member(self.manager, self.cohorts[args[0]], self.people[args[1]].id)
        elif kind == "assign":
            due = [None, date(2026, 11, 1), date(2026, 12, 24)][args[2]]
            cohorts.assign_module(self.manager, self.cohorts[args[0]], self.modules[args[1]], due)
        elif kind == "unassign":
            cohorts.unassign_module(self.manager, self.cohorts[args[0]], self.modules[args[1]].id)
        elif kind == "roles":  # roles in either organisation: none (leaving it), a learner's, or two
            organisation = [self.organisation, self.other][args[1]]
            roles = [set(), {"learner"}, {"learner", "trainer"}][args[2]]
            organisations.set_roles(self.manager, organisation, self.people[args[0]], roles)
        elif kind == "grant":
            organisations.grant_role(self.people[args[0]], [self.organisation, self.other][args[1]].id, "manager")
        elif kind == "edition":  # a new edition goes live, as publishing one does
            version = self.version(self.modules[args[0]])
            version.edition += 1
            summaries.live_edition_changed(self.modules[args[0]].id)
        db.session.commit()


person, module, cohort = st.integers(0, 3), st.integers(0, 1), st.integers(0, 1)
steps = st.one_of(
    st.tuples(st.just("visit"), person, module, st.integers(1, 2), st.booleans()),
    st.tuples(st.just("visit"), person, module, st.integers(1, 2), st.booleans()),  # often: it is what most do
    st.tuples(st.just("complete"), person, module, st.integers(1, 2)),
    st.tuples(st.just("attempt"), person, module, st.booleans(), st.sampled_from("abc"), st.integers(1, 3)),
    st.tuples(st.just("add"), cohort, person),
    st.tuples(st.just("remove"), cohort, person),
    st.tuples(st.just("assign"), cohort, module, st.integers(0, 2)),
    st.tuples(st.just("unassign"), cohort, module),
    st.tuples(st.just("roles"), person, st.integers(0, 1), st.integers(0, 2)),
    st.tuples(st.just("grant"), person, st.integers(0, 1)),
    st.tuples(st.just("edition"), module),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(steps, min_size=1, max_size=25))
def test_any_sequence_of_learning_and_cohort_changes_keeps_the_summaries_exact(
    app, make_organisation, make_user, sequence
):
    world = World(make_organisation, make_user)
    # a start where most steps matter: people 0-1 in cohort 0 with basics, 1-2 in cohort 1 with law
    for step in [("add", 0, 0), ("add", 0, 1), ("assign", 0, 0, 1), ("add", 1, 1), ("add", 1, 2), ("assign", 1, 1, 2)]:
        world.apply(step)
    for step in sequence:
        world.apply(step)
    assert summaries.differences() == []
    # and the overview read from them is the one a rebuild gives
    overview = org_dashboard.organisation_dashboard(world.organisation, TODAY, threshold=1)
    summaries.rebuild()
    rebuilt = org_dashboard.organisation_dashboard(world.organisation, TODAY, threshold=1)
    assert {name: table.rows for name, table in overview.tables.items()} == {
        name: table.rows for name, table in rebuilt.tables.items()
    }
    db.session.rollback()


def a_busy_cohort(world: World) -> None:
    """Everyone in cohort 0 with both modules; some learning, answers and a removal."""
    for index in range(4):
        world.apply(("add", 0, index))
    world.apply(("assign", 0, 0, 1))
    world.apply(("assign", 0, 1, 2))
    for index, answer in enumerate("bbac"):
        world.apply(("complete", index, 0, 1))
        world.apply(("attempt", index, 0, False, answer, 3))
        world.apply(("attempt", index, 1, True, "a", 2))
        world.apply(("attempt", index, 1, False, answer, 3))


def test_the_dashboards_read_what_a_rebuild_computes(app, make_organisation, make_user):
    world = World(make_organisation, make_user)
    a_busy_cohort(world)
    world.apply(("remove", 0, 3))
    before = dashboards.cohort_dashboard(world.cohorts[0], TODAY)
    overview = org_dashboard.organisation_dashboard(world.organisation, TODAY, threshold=1)
    summaries.rebuild()
    db.session.commit()
    after = dashboards.cohort_dashboard(world.cohorts[0], TODAY)
    assert before.headline == after.headline
    assert before.headline["members"] == 3
    for name in ("modules", "scores", "weeks", "gain", "questions", "calibration"):
        assert before.table(name).rows == after.table(name).rows, name
    rebuilt = org_dashboard.organisation_dashboard(world.organisation, TODAY, threshold=1)
    assert overview.tables["cohorts"].rows == rebuilt.tables["cohorts"].rows
    assert overview.tables["coverage"].rows == rebuilt.tables["coverage"].rows


def test_a_removed_member_leaves_the_cohorts_answer_statistics(app, make_organisation, make_user):
    world = World(make_organisation, make_user)
    a_busy_cohort(world)
    cohort = world.cohorts[0]

    def answers() -> int:
        return db.session.scalar(
            select(db.func.sum(CohortAnswerTally.answers)).where(CohortAnswerTally.cohort_id == cohort.id)
        )

    assert answers() == 4 * 3 + 4 * 2  # four people: three questions of basics, two of law
    world.apply(("remove", 0, 3))
    assert answers() == 3 * 3 + 3 * 2
    world.apply(("add", 0, 3))  # back again: their answers count again
    assert answers() == 4 * 3 + 4 * 2
    world.apply(("unassign", 0, 1))
    assert answers() == 4 * 3
    assert summaries.differences() == []


def test_a_learner_summary_holds_scores_completion_and_the_latest_activity(app, make_organisation, make_user):
    world = World(make_organisation, make_user)
    world.apply(("attempt", 0, 1, True, "b", 1))  # pre-check: p1 wants "a", so 0%
    world.apply(("attempt", 0, 1, False, "c", 1))  # 0%
    world.apply(("attempt", 0, 1, False, "b", 1))  # 100%: passes, and with no lessons completes
    row = db.session.get(LearnerModuleSummary, (world.people[0].id, world.modules[1].id))
    assert (row.precheck_lowest, row.assessment_best, row.assessment_passed) == (0, 100, True)
    assert row.completed_edition == 1 and row.completion_percent == 100
    assert row.last_activity_at >= row.first_completed_at


def test_member_rows_follow_assignments_and_due_dates(app, make_organisation, make_user):
    world = World(make_organisation, make_user)
    world.apply(("add", 0, 0))
    key = (world.cohorts[0].id, world.people[0].id)
    assert db.session.get(CohortLearnerSummary, key) is None  # nothing assigned yet
    world.apply(("assign", 0, 0, 2))
    row = db.session.get(CohortLearnerSummary, key)
    assert (row.assigned, row.completed, row.started, row.next_due_on) == (1, 0, False, date(2026, 12, 24))
    world.apply(("assign", 0, 0, 1))  # the due date moves
    db.session.expire_all()
    assert db.session.get(CohortLearnerSummary, key).next_due_on == date(2026, 11, 1)
    world.apply(("visit", 0, 0, 1))
    db.session.expire_all()
    assert db.session.get(CohortLearnerSummary, key).started is True
    world.apply(("unassign", 0, 0))
    db.session.expire_all()
    assert db.session.get(CohortLearnerSummary, key) is None
    assert summaries.differences() == []


def test_check_finds_a_drifted_row_and_rebuild_mends_it(app, runner, make_organisation, make_user):
    world = World(make_organisation, make_user)
    a_busy_cohort(world)
    result = runner.invoke(args=["summaries", "check"])
    assert result.exit_code == 0, result.output
    assert "match" in result.output
    db.session.execute(update(LearnerModuleSummary).values(assessment_best=1))
    db.session.execute(update(CohortAnswerTally).values(answers=CohortAnswerTally.answers + 1))
    db.session.commit()
    result = runner.invoke(args=["summaries", "check"])
    assert result.exit_code == 1
    assert "learner_module_summary" in result.output and "flask summaries rebuild" in result.output
    result = runner.invoke(args=["summaries", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "learner_module_summary: 8 rows" in result.output
    assert summaries.differences() == []


def test_a_lesson_opened_again_moves_only_the_time_of_activity(app, make_organisation, make_user, monkeypatch):
    world = World(make_organisation, make_user)
    for step in [("add", 0, 0), ("assign", 0, 0, 1), ("visit", 0, 0, 1), ("complete", 0, 0, 2)]:
        world.apply(step)
    key = (world.people[0].id, world.modules[0].id)

    def figures():
        db.session.expire_all()
        row = db.session.get(LearnerModuleSummary, key)
        member = db.session.get(CohortLearnerSummary, (world.cohorts[0].id, key[0]))
        return row.last_activity_at, row.lessons_completed, (member.started, member.completed, member.next_due_on)

    before = figures()
    later = before[0] + learning.VISIT_RESOLUTION * 2  # within the resolution, opening again writes nothing
    monkeypatch.setattr(learning, "utcnow", lambda: later)
    world.apply(("visit", 0, 0, 1, True))
    monkeypatch.undo()
    after = figures()
    opened = db.session.scalar(
        select(LessonProgress.started_at).where(
            LessonProgress.user_id == key[0], LessonProgress.lesson_slug == "lesson-1"
        )
    )
    assert after == (opened, *before[1:]) and opened > before[0]
    assert summaries.differences() == []


def test_a_visit_when_the_clock_went_back_or_the_summary_is_missing_recomputes(
    app, make_organisation, make_user, monkeypatch
):
    world = World(make_organisation, make_user)
    world.apply(("visit", 0, 0, 1))
    key = (world.people[0].id, world.modules[0].id)
    earlier = db.session.get(LearnerModuleSummary, key).last_activity_at - timedelta(hours=1)
    monkeypatch.setattr(learning, "utcnow", lambda: earlier)
    world.apply(("visit", 0, 0, 1, True))  # the only activity is now an hour earlier
    db.session.expire_all()
    assert db.session.get(LearnerModuleSummary, key).last_activity_at == earlier
    assert summaries.differences() == []
    monkeypatch.undo()
    db.session.execute(delete(LearnerModuleSummary))  # say, a bulk import not yet rebuilt
    db.session.commit()
    world.apply(("visit", 0, 0, 1))
    assert db.session.get(LearnerModuleSummary, key) is not None
    assert summaries.differences() == []


BEFORE_SUMMARIES = [  # a database at revision 0004, with learning, answers and cohorts in it
    "INSERT INTO organisation (id, slug, name, created_at) VALUES (1, 'org', 'Org', '2026-11-01 09:00:00')",
    *[
        'INSERT INTO "user" (id, email, name, is_site_admin, is_enabled, locale, created_at) '
        f"VALUES ({n}, 'p{n}@example.org', 'P{n}', false, true, 'en', '2026-11-01 09:00:00')"
        for n in (1, 2, 3, 4)
    ],
    *[
        "INSERT INTO module (id, slug, origin, status, created_at) "
        f"VALUES ({n}, '{slug}', 'files', 'published', '2026-11-01 09:00:00')"
        for n, slug in ((1, "basics"), (2, "law"))
    ],
    *[
        "INSERT INTO module_version (id, module_id, number, edition, content_hash, language, languages, texts, "
        "level, minutes, pass_mark, shuffle, lesson_count, question_count, source, published_at) "
        f"VALUES ({n}, {n}, 1, 1, 'hash{n}', 'en', '[\"en\"]', '{{}}', 'introductory', 10, 80, false, 2, 2, "
        "'{}', '2026-11-01 09:00:00')"
        for n in (1, 2)
    ],
    *[
        "INSERT INTO question (id, version_id, key, language, purpose, position, kind, prompt_html, options, "
        "answer, feedback, ask_confidence, shuffle) "
        f"VALUES ({n}, {version}, '{key}', 'en', 'assessment', {n}, '{kind}', '<p>?</p>', '[]', '[]', '{{}}', "
        f"{confidence}, false)"
        for n, version, key, kind, confidence in (
            (1, 1, "q1", "single", "false"),
            (2, 1, "q2", "text", "false"),  # a typed answer: counted without the text
            (3, 2, "q1", "multiple", "true"),
            (4, 2, "q2", "true-false", "true"),
        )
    ],
    *[
        "INSERT INTO lesson_progress (user_id, module_id, lesson_slug, started_at, completed_at) "
        f"VALUES ({user}, {module}, '{slug}', '2026-11-0{day} 10:00:00', {done})"
        for user, module, slug, day, done in (
            (1, 1, "one", 2, "'2026-11-02 10:05:00'"),
            (1, 1, "two", 9, "NULL"),  # opened later, not finished
            (2, 1, "one", 3, "'2026-11-03 10:20:00'"),
            (2, 2, "one", 4, "NULL"),
            (3, 2, "one", 5, "'2026-11-05 10:00:00'"),
            (4, 1, "one", 6, "NULL"),
        )
    ],
    *[
        "INSERT INTO quiz_attempt (id, user_id, module_id, version_id, purpose, language, option_order, started_at, "
        f"submitted_at, score, max_score, percent, passed) VALUES ({n}, {user}, {module}, {module}, '{purpose}', "
        f"'en', '{{}}', '2026-11-0{day} 11:00:00', {submitted}, {score}, 2, {percent}, {passed})"
        for n, user, module, purpose, day, submitted, score, percent, passed in (
            (1, 1, 1, "assessment", 2, "'2026-11-02 11:10:00'", 1, 50, "false"),
            (2, 1, 1, "assessment", 3, "'2026-11-03 11:10:00'", 2, 100, "true"),
            (3, 2, 1, "assessment", 4, "NULL", "NULL", "NULL", "NULL"),  # still open
            (4, 3, 2, "precheck", 5, "'2026-11-05 11:10:00'", 0, 0, "false"),
            (5, 3, 2, "assessment", 6, "'2026-11-06 11:10:00'", 2, 100, "true"),
            (6, 2, 2, "assessment", 7, "'2026-11-07 11:10:00'", 1, 50, "false"),
        )
    ],
    *[
        "INSERT INTO response (attempt_id, question_key, answer, is_correct, confidence, answered_at) "
        f"VALUES ({attempt}, '{key}', '{answer}', {correct}, {confidence}, '2026-11-02 11:05:00')"
        for attempt, key, answer, correct, confidence in (
            (1, "q1", '["b"]', "false", "NULL"),
            (1, "q2", '"forty two"', "true", "NULL"),
            (2, "q1", '["a"]', "true", "NULL"),
            (2, "q2", '"42"', "true", "NULL"),
            (3, "q1", '["a"]', "NULL", "NULL"),  # not graded yet
            (4, "q1", '["a", "c"]', "false", 2),
            (5, "q1", '["a", "b"]', "true", 3),
            (5, "q2", '["true"]', "true", 1),
            (6, "q1", '["a", "b"]', "true", 1),
            (6, "q2", '["false"]', "false", 3),
        )
    ],
    "INSERT INTO module_completion (user_id, module_id, version_id, edition, language, completed_at, percent, "
    "attempt_id) VALUES (1, 1, 1, 1, 'en', '2026-11-03 11:10:00', 100, 2)",
    "INSERT INTO module_completion (user_id, module_id, version_id, edition, language, completed_at, percent, "
    "attempt_id) VALUES (3, 2, 2, 1, 'en', '2026-11-06 11:10:00', 100, 5)",
    *[
        "INSERT INTO cohort (id, organisation_id, name, description, created_at) "
        f"VALUES ({n}, 1, 'Cohort {n}', '', '2026-11-01 09:00:00')"
        for n in (1, 2, 3)  # the third has no modules
    ],
    *[
        "INSERT INTO cohort_member (cohort_id, user_id, added_at, removed_at) "
        f"VALUES ({cohort}, {user}, '2026-11-01 09:00:00', {removed})"
        for cohort, user, removed in (
            (1, 1, "NULL"),
            (1, 2, "NULL"),
            (1, 3, "'2026-11-04 09:00:00'"),  # left: no row, no answers
            (2, 2, "NULL"),
            (2, 3, "NULL"),
            (3, 1, "NULL"),
        )
    ],
    *[
        "INSERT INTO cohort_assignment (cohort_id, module_id, due_on, assigned_at) "
        f"VALUES ({cohort}, {module}, {due}, '2026-11-01 09:00:00')"
        for cohort, module, due in ((1, 1, "'2026-12-01'"), (1, 2, "NULL"), (2, 2, "'2026-11-20'"))
    ],
]


def test_the_migration_fills_the_summaries_from_existing_rows(empty_database_url):  # noqa: F811
    """Upgrading a database that already holds learning (0004) back-fills the new tables (0005) with its own
    frozen SQL: exactly the rows ``summaries.rebuild`` computes from the same raw rows."""
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            for statement in BEFORE_SUMMARIES:
                connection.execute(text(statement))
        upgrade(revision="0005")
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == "0005"
        upgrade()  # the later revisions keep the rows (the models below describe the newest schema)
        assert summaries.differences() == []
        migrated = _all_summary_rows()
        assert [len(rows) for rows in migrated] == [5, 4, 9]  # none empty, so comparing them means something
        summaries.rebuild()
        assert _all_summary_rows() == migrated
        row = db.session.get(LearnerModuleSummary, (1, 1))
        assert (row.lessons_completed, row.completed_edition, row.assessment_best, row.assessment_passed) == (
            1,
            1,
            100,
            True,
        )
        assert row.last_activity_at.isoformat().startswith("2026-11-09T10:00")
        assert db.session.get(User, 1).email == "p1@example.org"
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


def _all_summary_rows() -> list[list[tuple]]:
    tables = (LearnerModuleSummary, CohortLearnerSummary, CohortAnswerTally)
    return [
        sorted(tuple(row) for row in db.session.execute(select(*model.__table__.columns)).all()) for model in tables
    ]


def test_keeping_the_summaries_costs_the_same_queries_for_any_cohort_size(app, make_organisation, make_user):
    """Assigning a module or removing a member is set-based: no query per member or per answer."""
    from .test_dashboards import _queries

    organisation = make_organisation("sizes")
    manager = make_user("manager@sizes.example", organisation=organisation, roles=("manager",))
    module, other = make_module("sizes-a"), make_module("sizes-b")
    counts = []
    for size in (2, 40):
        people = make_people(organisation, size, prefix=f"size{size}-")
        cohort = make_cohort(organisation, f"Cohort of {size}", people, [(module, date(2026, 12, 1))])
        for person in people:
            world_attempt = quiz.start_attempt(
                person, module, db.session.get(ModuleVersion, module.current_version_id), "assessment", "en"
            )
            for key in ("q1", "q2", "q3"):
                quiz.save_answer(world_attempt.id, key, "b", None)
            db.session.commit()
            quiz.submit_attempt(person, world_attempt.id)
        counts.append(
            (
                _queries(app, lambda c=cohort: (cohorts.assign_module(manager, c, other, None), db.session.commit())),
                _queries(app, lambda c=cohort: (cohorts.unassign_module(manager, c, module.id), db.session.commit())),
                _queries(
                    app, lambda c=cohort, p=people: (cohorts.remove_member(manager, c, p[0].id), db.session.commit())
                ),
            )
        )
    assert counts[0] == counts[1] and min(counts[0]) > 0, counts
    assert summaries.differences() == []


def test_coverage_follows_people_joining_and_leaving_and_new_editions(app, make_organisation, make_user):
    """Someone's completions count in an organisation's coverage while they hold any role there (once,
    however many), and an older edition's completion stops counting as current when a newer one is live."""
    world = World(make_organisation, make_user)
    world.apply(("attempt", 0, 0, False, "b", 1))  # person 0 completes basics
    world.apply(("attempt", 1, 0, False, "b", 1))  # and person 1

    def coverage(organisation) -> list:
        assert summaries.differences() == []
        rows = org_dashboard.organisation_dashboard(organisation, TODAY, threshold=1).tables["coverage"].rows
        return [row[3] for row in rows if row[0] == "Title of " + world.modules[0].slug][0]

    assert coverage(world.organisation) == 2
    world.apply(("roles", 0, 0, 0))  # person 0 leaves the organisation
    assert coverage(world.organisation) == 1
    world.apply(("grant", 0, 1))  # joins the other one
    world.apply(("roles", 0, 1, 2))  # two roles there: counted once
    assert coverage(world.other) == 1
    world.apply(("roles", 0, 0, 1))  # back again
    assert coverage(world.organisation) == 2
    world.apply(("edition", 0))
    assert summaries.differences() == []
    current = org_dashboard.organisation_dashboard(world.organisation, TODAY, threshold=1).tables["coverage"].rows
    assert [row[5] for row in current if row[0] == "Title of " + world.modules[0].slug] == [0]


def test_0011_fills_the_organisation_summary_and_the_older_editions_up_down_and_up(empty_database_url):  # noqa: F811
    """Upgrading a database with learning, people and a newer live edition (0010) fills migration 0011's
    organisation summary and the member rows' older editions with its frozen SQL: what a rebuild computes."""
    from flask_migrate import downgrade

    app = create_app(make_config(empty_database_url))
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            for statement in BEFORE_SUMMARIES:
                connection.execute(text(statement))
        upgrade(revision="0010")
        with db.engine.begin() as connection:
            for user in (1, 2, 3):
                connection.execute(
                    text(
                        "INSERT INTO membership (user_id, organisation_id, role, created_at) "
                        f"VALUES ({user}, 1, 'learner', '2026-11-01 09:00:00')"
                    )
                )
            connection.execute(text("UPDATE module SET current_version_id = id"))
            connection.execute(text("UPDATE module_version SET edition = 2 WHERE id = 1"))  # basics: edition 2 live
        upgrade(revision="0011")
        assert summaries.differences() == []
        stored = db.session.execute(text("SELECT count(*), sum(people) FROM organisation_module_summary")).one()
        assert tuple(stored) == (2, 2)  # person 1 (basics) and person 3 (law), both of organisation 1
        stale = db.session.execute(text("SELECT sum(stale) FROM cohort_learner_summary")).scalar_one()
        assert stale == 1  # person 1's basics, edition 1, in cohort 1
        db.session.rollback()
        downgrade(revision="0010")
        upgrade()
        assert summaries.differences() == []
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
