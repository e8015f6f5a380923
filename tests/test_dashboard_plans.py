"""How the dashboards read (issue 16), with the figures unchanged: PostgreSQL's planning for cached summary
rows, the coverage count read either way, migration 0010's index, and a headline of one member."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import event, inspect, select, text

from literacy import create_app, summaries
from literacy.extensions import db
from literacy.models import Membership
from literacy.organisations import dashboard as org_dashboard

from .cohorts_support import attempt, complete, make_cohort, make_module, make_people
from .conftest import make_config
from .test_migrations import empty_database_url  # noqa: F401  (a fixture)

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _statements(run) -> list[str]:
    seen: list[str] = []

    def before(_connection, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return seen


def test_cached_reads_are_planned_for_this_transaction_only(app):
    postgresql = db.engine.dialect.name == "postgresql"
    if not postgresql:
        # nothing to tell SQLite's planner: no statement at all
        assert _statements(summaries.plan_for_cached_reads) == []
        return
    default = db.session.execute(text("SHOW random_page_cost")).scalar_one()
    summaries.plan_for_cached_reads()
    assert db.session.execute(text("SHOW random_page_cost")).scalar_one() == "1.1"
    db.session.rollback()
    assert db.session.execute(text("SHOW random_page_cost")).scalar_one() == default
    with db.engine.connect() as connection:
        summaries.plan_for_cached_reads(connection)
        assert connection.execute(text("SHOW random_page_cost")).scalar_one() == "1.1"


def test_coverage_counts_only_the_organisations_people_from_its_summary(app, make_organisation):
    """The coverage comes from the organisation's summary rows (a few per module and day), never from one
    row per person, and counts only the organisation's people."""
    org = make_organisation("org-a")
    other = make_organisation("org-b")
    ours, theirs = make_people(org, 5), make_people(other, 3, "other")
    basics, law = make_module("basics", edition=2), make_module("law")
    make_cohort(org, "Ours", ours, [(basics, date(2026, 11, 20)), (law, None)])
    make_cohort(other, "Theirs", theirs, [(basics, None)])
    complete(ours[0], basics, edition=2, percent=100)
    complete(ours[1], basics, edition=1, percent=60)
    complete(ours[2], law, percent=80)
    attempt(ours[3], law, {"q1": "b", "q2": "a", "q3": "b"})
    for person in theirs:
        complete(person, basics, edition=2, percent=90)
    db.session.commit()
    people_ids = select(Membership.user_id).where(Membership.organisation_id == org.id)
    editions = {basics.id: 2, law.id: 1}
    counts = org_dashboard._completions(org.id, people_ids, editions, NOW)
    assert counts[basics.id] == (2, 1, 0, 0) and counts[law.id] == (1, 1, 0, 0)
    statements = _statements(lambda: org_dashboard._completions(org.id, people_ids, editions, NOW))
    assert len(statements) == 2 and "organisation_module_summary" in statements[0]  # then the boundary days


def test_a_cohort_of_one_has_one_member(app, client, auth, make_organisation, make_user):
    org = make_organisation("org-a")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    cohort = make_cohort(org, "Solo", make_people(org, 1), [(make_module("basics"), None)])
    db.session.commit()
    auth.sign_in("manager@a.example")
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    assert '<span class="headline-figures__number">1</span> member</li>' in page
    assert "1</span> members" not in page


def _indexes() -> dict[str, list[str]]:
    return {
        index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("learner_module_summary")
    }


def test_0010_replaces_the_module_index_up_down_and_up_again(empty_database_url):  # noqa: F811
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        upgrade(revision="0009")
        assert _indexes()["ix_learner_module_summary_module"] == ["module_id", "completed_edition"]
        upgrade(revision="0010")
        indexes = _indexes()
        assert "ix_learner_module_summary_module" not in indexes
        assert indexes["ix_learner_module_summary_module_validity"][:3] == [
            "module_id",
            "completed_edition",
            "valid_until",
        ]
        downgrade(revision="0009")
        indexes = _indexes()
        assert indexes["ix_learner_module_summary_module"] == ["module_id", "completed_edition"]
        assert "ix_learner_module_summary_module_validity" not in indexes
        upgrade()
        assert "ix_learner_module_summary_module_validity" in _indexes()
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_0010_gives_the_new_index_statistics_where_the_database_has_been_analyzed(empty_database_url):  # noqa: F811
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            db.engine.dispose()
            return  # PostgreSQL's planner needs no statistics for a new B-tree index
        upgrade(revision="0009")
        with db.engine.begin() as connection:  # summary rows (no people or modules needed here), then ANALYZE
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.execute(
                text(
                    "INSERT INTO learner_module_summary (user_id, module_id, last_activity_at, lessons_completed, "
                    "completed_edition, assessment_passed) VALUES (:user, :module, '2026-11-23 12:00:00', 1, 1, 1)"
                ),
                [{"user": user, "module": module} for user in range(1, 41) for module in range(1, 4)],
            )
            connection.execute(text("ANALYZE"))
        upgrade(revision="0010")
        with db.engine.connect() as connection:
            analysed = set(connection.execute(text("SELECT idx FROM sqlite_stat1")).scalars())
        assert "ix_learner_module_summary_module_validity" in analysed
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_scores_and_weeks_agree_with_the_members_rows(app, make_organisation):
    """Scores and first completions per week, in one GROUPING SETS pass on PostgreSQL and two GROUP BYs on
    SQLite, against the same figures added up in Python from the members' summary rows."""
    from collections import Counter
    from datetime import timedelta

    from literacy.cohorts import dashboards
    from literacy.models import LearnerModuleSummary

    org = make_organisation("org-a")
    people = make_people(org, 6)
    basics, law = make_module("basics"), make_module("law", precheck=True)
    outsider = make_people(org, 1, "outside")[0]
    cohort = make_cohort(org, "Autumn", people, [(basics, None), (law, None)])
    complete(people[0], basics, percent=100, at=datetime(2026, 11, 2, 9, tzinfo=UTC))
    complete(people[1], basics, percent=60, at=datetime(2026, 11, 10, 23, 30, tzinfo=UTC))
    complete(people[2], law, percent=80, at=datetime(2026, 11, 16, 0, 15, tzinfo=UTC))
    attempt(people[0], basics, {"q1": "b", "q2": "b", "q3": "b"})
    attempt(people[1], basics, {"q1": "b", "q2": "a", "q3": "a"})
    attempt(people[3], law, {"p1": "b"}, purpose="precheck")
    attempt(people[3], law, {"q1": "b", "q2": "b", "q3": "a"})
    attempt(people[4], law, {"q1": "a", "q2": "a", "q3": "a"})
    complete(outsider, basics, percent=100)  # not a member: counts nowhere
    db.session.commit()
    data = dashboards.cohort_dashboard(cohort, TODAY, now=NOW)
    rows = db.session.scalars(
        select(LearnerModuleSummary).where(LearnerModuleSummary.user_id.in_([person.id for person in people]))
    ).all()
    weeks: Counter = Counter()
    bands: Counter = Counter()
    for row in rows:
        if row.first_completed_at is not None:
            day = row.first_completed_at.astimezone(UTC).date()
            weeks[day - timedelta(days=day.weekday())] += 1
        if row.assessment_best is not None:
            bands[min(row.assessment_best // 10, 9)] += 1
    assert data.table("weeks").rows == [[week, weeks[week]] for week in sorted(weeks)]
    assert dict(data.scores.bands) == dict(bands)
    assert data.scores.count == sum(bands.values()) and data.scores.attempted[law.id] == 2
    assert data.scores.gains[law.id][0] == 1
