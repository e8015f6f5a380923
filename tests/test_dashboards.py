"""Cohort and organisation dashboards: the figures, small-group hiding, CSV = screen, constant query counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from literacy.cohorts import dashboards
from literacy.extensions import db
from literacy.organisations import dashboard as org_dashboard
from literacy.tables import Suppressed

from .cohorts_support import attempt, complete, make_cohort, make_module, make_people, visit

TODAY = date(2026, 11, 23)


@pytest.fixture
def programme(make_organisation, make_user):
    """Org A runs a cohort of 6 with two modules: one due in the past, one with a pre-check and confidence."""
    org = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    people = make_people(org, 6)
    basics = make_module("basics", edition=2, questions=3)
    law = make_module("law", questions=2, precheck=True, confidence=True)
    cohort = make_cohort(org, "Autumn", people, [(basics, date(2026, 11, 20)), (law, date(2026, 12, 20))])
    p = people
    # basics: p0 completed edition 2, p1 completed edition 1 (refresh due), p2 in progress, others overdue
    complete(p[0], basics, edition=2, percent=100)
    attempt(p[0], basics, {"q1": "b", "q2": "b", "q3": "b"})
    complete(p[1], basics, edition=1, percent=67, at=datetime(2026, 11, 10, tzinfo=UTC))
    attempt(p[1], basics, {"q1": "b", "q2": "b", "q3": "a"})
    visit(p[2], basics)
    attempt(p[2], basics, {"q1": "a", "q2": "c", "q3": "a"})
    # law: p0 pre-check 0% then 100%; p3 pre-check 0% then 50%, certain but wrong on q2
    attempt(p[0], law, {"p1": "b"}, purpose="precheck")
    attempt(p[0], law, {"q1": "b", "q2": "b"}, confidence={"q1": 3, "q2": 3})
    complete(p[0], law, percent=100)
    attempt(p[3], law, {"p1": "b"}, purpose="precheck")
    attempt(p[3], law, {"q1": "b", "q2": "a"}, confidence={"q1": 2, "q2": 3})
    return org, cohort, people, basics, law


def test_cohort_headline_and_module_figures(app, programme):
    org, cohort, people, basics, law = programme
    data = dashboards.cohort_dashboard(cohort, TODAY)
    assert data.headline == {
        "members": 6,
        "started": 4,
        "completed": 1,
        "expiring": 0,
        "renewal_due": 1,
        "overdue": 4,
        "average_score": 63.4,
    }
    modules = {row[0]: row for row in data.table("modules").rows}
    # not started, in progress, completed, overdue, expiring, renewal due, renewal overdue, pass rate
    assert modules["Title of basics"][2:] == [0, 0, 1, 4, 0, 1, 0, 66.7]  # p1's edition 1 is due for renewal
    assert modules["Title of law"][2:] == [4, 1, 1, 0, 0, 0, 0, 100.0]


def test_the_pages_shared_read_gives_what_each_part_computes_alone(app, programme):
    """The page reads the combinations, scores and renewals together (one statement on PostgreSQL); the
    exports compute each part alone: every figure and table is the same either way."""
    org, cohort, people, basics, law = programme
    alone = dashboards.cohort_dashboard(cohort, TODAY)
    whole = dashboards.cohort_dashboard(cohort, TODAY, now=alone.now, whole=True)
    assert whole.together == (db.engine.dialect.name == "postgresql")
    assert whole.headline == alone.headline
    assert sorted(whole.combinations) == sorted(alone.combinations)
    assert whole.scores == alone.scores
    for name in ("modules", "scores", "weeks", "gain", "renewals"):
        assert whole.table(name).rows == alone.table(name).rows, name
    assert len(whole.table("renewals").rows) == 1 and whole.scores.count > 0 and whole.scores.gains


def test_learning_gain_refresh_and_calibration(app, programme):
    org, cohort, people, basics, law = programme
    data = dashboards.cohort_dashboard(cohort, TODAY)
    assert data.table("gain").rows == [["Title of law", 2, 0.0, 75.0, 75.0]]
    with app.test_request_context():
        renewals = [[str(value) for value in row] for row in data.table("renewals").rows]
    # the new edition was published (and the module assigned) today; 30 days to renew
    renew_by = str(date.today() + timedelta(days=30))
    assert renewals == [
        ["Learner 001", "learner1@org-a.example", "Title of basics"]
        + ["New edition", "1", "2", "None", renew_by, "Renewal due"]
    ]
    with app.test_request_context():
        calibration = {(row[0], str(row[1])): row[2:] for row in data.table("calibration").rows}
    assert calibration[("Title of law", "Certain")] == [3, 1, 33.3]
    assert calibration[("Title of law", "Fairly sure")] == [1, 0, 0.0]
    weeks = dict(data.table("weeks").rows)
    assert weeks == {date(2026, 11, 2): 2, date(2026, 11, 9): 1}


def test_question_facility_discrimination_and_options(app, programme):
    org, cohort, people, basics, law = programme
    data = dashboards.cohort_dashboard(cohort, TODAY)
    questions = {item.key: item for item in data.questions[basics.id]}
    assert questions["q3"].stats.facility == pytest.approx(1 / 3)
    assert questions["q1"].stats.facility == pytest.approx(2 / 3)
    assert data.questions[basics.id][0].key == "q3"  # hardest first
    # only the top scorer got q3 right; rest scores (marks on the other questions) 2, 2 and 0 with q3
    # right, wrong, wrong: correlation (3 * 2 - 1 * 4) / sqrt((3 - 1) * (3 * 8 - 16)) = 0.5
    assert questions["q3"].stats.discrimination == pytest.approx(0.5)
    options = {option.html: option.count for option in questions["q3"].options}
    assert options == {"<p>Option a</p>": 2, "<p>Option b</p>": 1, "<p>Option c</p>": 0}
    table = {(row[0], row[1]): row[2:] for row in data.table("questions").rows}
    # a question by its text, not its id; facility as a percentage, as the page shows it
    assert table[("Title of basics", "Question 3 of basics?")] == [3, 33.3, 0.5]


def test_learner_table_filters_and_sorts(app, programme):
    org, cohort, people, basics, law = programme
    data = dashboards.cohort_dashboard(cohort, TODAY)
    overdue = dashboards.filter_learners(data, dashboards.LearnerFilter(module_id=basics.id, status=dashboards.OVERDUE))
    assert [learner.name for learner in overdue] == ["Learner 002", "Learner 003", "Learner 004", "Learner 005"]
    by_score = dashboards.filter_learners(data, dashboards.LearnerFilter(sort="best_score", descending=True))
    assert [learner.best_score for learner in by_score] == [100, 67, 50, 0, None, None]
    found = dashboards.filter_learners(data, dashboards.LearnerFilter(search="LEARNER 00"))
    assert len(found) == 6


def test_a_page_of_learners_is_the_same_slice_of_the_whole_list(app, programme, monkeypatch):
    """The page sorts narrow rows and counts from the status combinations; it must agree with the full list
    (what learners.csv holds) for every filter, sort and page, the last page shown when asked for a later one."""
    org, cohort, people, basics, law = programme
    monkeypatch.setattr(dashboards, "PER_PAGE", 2)
    data = dashboards.cohort_dashboard(cohort, TODAY)
    filters = [
        dashboards.LearnerFilter(),
        dashboards.LearnerFilter(sort="name", descending=True),
        dashboards.LearnerFilter(sort="best_score", descending=True),
        dashboards.LearnerFilter(sort="last_activity"),
        dashboards.LearnerFilter(sort="completed", descending=True),
        dashboards.LearnerFilter(status=dashboards.OVERDUE),
        dashboards.LearnerFilter(module_id=basics.id, status=dashboards.OVERDUE, sort="email"),
        dashboards.LearnerFilter(module_id=law.id, status=dashboards.NOT_STARTED, search="learner 00"),
        dashboards.LearnerFilter(search="nobody"),
    ]
    for wanted in filters:
        whole = [learner.user_id for learner in dashboards.filter_learners(data, wanted)]
        for page in (1, 2, 3, 9):
            shown, matching, at = dashboards.learner_page(data, wanted, page)
            last = max(1, -(-len(whole) // 2))
            assert matching == len(whole) and at == min(page, last), (wanted, page)
            assert [learner.user_id for learner in shown] == whole[(at - 1) * 2 : at * 2], (wanted, page)


def _queries(app, run) -> int:
    count = 0

    def before(*args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return count


def test_query_count_does_not_depend_on_cohort_size(app, client, auth, make_organisation, make_user):
    org = make_organisation("org-a")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    module = make_module("basics")
    small = make_cohort(org, "Small", make_people(org, 3, "small"), [(module, date(2026, 12, 1))])
    big_people = make_people(org, 60, "big")
    big = make_cohort(org, "Big", big_people, [(module, date(2026, 12, 1))])
    for person in big_people[:40]:
        attempt(person, module, {"q1": "b", "q2": "a", "q3": "b"})
        complete(person, module, percent=67)
    auth.sign_in("manager@a.example")
    counts = []
    for cohort in (small, big):
        for path in (
            f"/organisations/org-a/cohorts/{cohort.id}/dashboard",
            f"/organisations/org-a/cohorts/{cohort.id}/dashboard/learners.csv",
        ):
            counts.append(_queries(app, lambda path=path: client.get(path).get_data()))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    organisation_view = _queries(app, lambda: client.get("/organisations/org-a/").get_data())
    make_people(org, 30, "more")
    assert _queries(app, lambda: client.get("/organisations/org-a/").get_data()) == organisation_view


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_exports_hold_the_numbers_on_screen(app, client, auth, programme):
    org, cohort, people, basics, law = programme
    auth.sign_in("manager@a.example")
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard").get_data(as_text=True)
    rows = _csv(client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/modules.csv"))
    assert rows[0][:3] == ["Module", "Due", "Not started"]
    assert rows[1] == ["Title of basics", "2026-11-20", "0", "0", "1", "4", "0", "1", "0", "66.7"]
    assert "66.7" in page
    learners = _csv(
        client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/learners.csv?sort=best_score&order=desc")
    )
    assert [row[0] for row in learners[1:3]] == ["Learner 000", "Learner 001"]
    assert learners[1][-1] == "100" and learners[1][2] == "Completed"
    filtered = _csv(client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/learners.csv?q=learner%20003"))
    assert len(filtered) == 2 and filtered[1][1] == "learner3@org-a.example"
    questions = _csv(client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/questions.csv"))
    # discrimination with the two decimal places the page shows (3 / sqrt(12)), facility with one
    assert ["Title of basics", "Question 1 of basics?", "3", "66.7", "0.87"] in questions
    assert "Share who got it right: 66.7%. Does it separate stronger and weaker learners? Yes, clearly (0.87)" in page
    for name in ("scores", "weeks", "gain", "renewals", "refresh", "questions", "options", "calibration"):
        response = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/{name}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv", name
        assert len(_csv(response)) >= 2, name
    assert client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/nothing.csv").status_code == 404


def test_dashboard_page_shows_charts_tables_and_sorting(app, client, auth, programme):
    org, cohort, people, basics, law = programme
    auth.sign_in("manager@a.example")
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard?sort=name&order=desc").get_data(as_text=True)
    assert page.count('role="img"') >= 4 and "<title id=" in page and "<desc id=" in page
    assert 'aria-sort="descending"' in page
    assert page.index("Learner 005") < page.index("Learner 000")
    assert "Show the data behind this chart" in page
    assert "Learner 001" in page and "Renewals due" in page and "New edition" in page


def test_organisation_view_hides_small_groups(app, client, auth, programme, make_organisation):
    org, cohort, people, basics, law = programme
    make_cohort(org, "Tiny", people[:3], [(basics, None)])
    data = org_dashboard.organisation_dashboard(org, TODAY, threshold=5)
    cohorts = {row[0]: row for row in data.tables["cohorts"].rows}
    # Autumn: 6 members, 4 started, 1 completed all (fewer than 5), 4 overdue (fewer than 5)
    assert cohorts["Autumn"][2:5] == [6, Suppressed(5), Suppressed(5)]
    assert all(isinstance(value, Suppressed) for value in cohorts["Tiny"][2:] if value is not None)
    coverage = {row[0]: row for row in data.tables["coverage"].rows}
    assert coverage["Title of basics"][2] == 7  # six learners and the manager
    assert coverage["Title of basics"][3] == Suppressed(5)
    auth.sign_in("manager@a.example")
    page = client.get("/organisations/org-a/").get_data(as_text=True)
    assert "fewer than 5" in page and "Cohorts side by side" in page and "AI-literacy coverage" in page
    report = client.get("/organisations/org-a/dashboard/coverage.csv")
    assert f"ai-literacy-coverage-{date.today().isoformat()}.csv" in report.headers["Content-Disposition"]
    rows = _csv(report)
    assert rows[1][:5] == ["Title of basics", "2", "7", "fewer than 5", "fewer than 5"]
    # a lower threshold shows the same figures
    shown = org_dashboard.organisation_dashboard(org, TODAY, threshold=2)
    assert {row[0]: row for row in shown.tables["coverage"].rows}["Title of basics"][3] == 2


@pytest.mark.parametrize("app_config", [{"SMALL_GROUP_THRESHOLD": "3"}])
def test_threshold_is_configurable(app, client, auth, programme):
    auth.sign_in("manager@a.example")
    rows = _csv(client.get("/organisations/org-a/dashboard/coverage.csv"))
    assert rows[1][3] == "fewer than 3"


def test_home_organisation_sees_its_people_in_another_cohort_and_nobody_else(
    app, client, auth, make_organisation, make_user
):
    central = make_organisation("central", "Central team")
    dept = make_organisation("dept", "A department")
    make_user("manager@dept.example", organisation=dept, roles=("manager",))
    ours = make_people(dept, 5, "ours")
    theirs = make_people(central, 5, "theirs")
    module = make_module("basics")
    cohort = make_cohort(central, "Cross-government", ours + theirs, [(module, None)])
    for person in ours + theirs:
        complete(person, module, percent=80)
    data = org_dashboard.organisation_dashboard(dept, TODAY, threshold=5)
    # members, started, completed (valid), expiring, renewal due, overdue, average score
    assert data.tables["elsewhere"].rows == [["Central team", "Cross-government", 5, 5, 5, 0, 0, 0, 80.0]]
    auth.sign_in("manager@dept.example")
    page = client.get("/organisations/dept/").get_data(as_text=True)
    assert "Cross-government" in page and "theirs0@" not in page and "ours0@" not in page
    assert client.get(f"/organisations/central/cohorts/{cohort.id}/dashboard").status_code == 403
    assert client.get(f"/organisations/dept/cohorts/{cohort.id}/dashboard").status_code == 404
