"""Validity and renewal: the one rule for an assignment's state walked with a fixed clock, its SQL form agreeing
with the Python one, summaries that stay exact as certificates expire with nobody writing, the dashboards and
exports counting valid completions, My learning's tags and certificate history, and the cohort's days to renew.
"""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text, update

from literacy import create_app, renewal, summaries
from literacy.cohorts import dashboards
from literacy.extensions import db
from literacy.learning import my_learning as my_learning_service
from literacy.models import (
    AuditEvent,
    Certificate,
    Cohort,
    CohortAssignment,
    LearnerModuleSummary,
    ModuleCompletion,
    ModuleVersion,
    User,
    utcnow,
)
from literacy.organisations import dashboard as org_dashboard
from literacy.renewal import Reason, State

from .cohorts_support import make_cohort, make_module, make_people, visit
from .conftest import make_config
from .quiz_support import text_of
from .test_migrations import empty_database_url  # noqa: F401  (a fixture)
from .test_summaries import BEFORE_SUMMARIES

ASSIGNED = datetime(2026, 9, 1, 9, tzinfo=UTC)
DUE = date(2026, 10, 1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# --- the rule, walked with a fixed date ------------------------------------------------------------------


def state_on(
    day: date,
    *,
    completed: int | None = None,
    valid_until: datetime | None = None,
    started: bool = False,
    live: int = 1,
    edition_on: date = date(2026, 9, 1),
    assigned_on: date = date(2026, 9, 1),
    days: int = 14,
    now: datetime | None = None,
) -> renewal.AssignmentState:
    return renewal.assignment_state(
        completed_edition=completed,
        valid_until=valid_until,
        started=started,
        live_edition=live,
        edition_on=edition_on,
        assigned_on=assigned_on,
        due_on=DUE,
        renewal_days=days,
        now=now or at(day),
        today=day,
    )


def test_a_learner_walks_from_assigned_to_renewed():
    expires = datetime(2027, 1, 5, tzinfo=UTC)
    assigned = state_on(date(2026, 9, 15))
    assert (assigned.state, assigned.due_on, assigned.overdue, assigned.kind) == (
        State.NOT_STARTED,
        DUE,
        False,
        "assignment",
    )
    assert state_on(date(2026, 9, 20), started=True).state == State.IN_PROGRESS
    assert state_on(DUE, started=True).overdue is False  # due today is not late
    late = state_on(DUE + timedelta(days=1), started=True)
    assert (late.state, late.overdue) == (State.IN_PROGRESS, True)
    done = state_on(date(2026, 11, 1), completed=1, valid_until=expires)
    assert (done.state, done.due_on, done.overdue, done.kind, done.is_valid) == (
        State.COMPLETED,
        None,
        False,
        None,
        True,
    )
    # 26 days before it ends: expiring, still valid
    expiring = state_on(date(2026, 12, 10), completed=1, valid_until=expires)
    assert (expiring.state, expiring.is_valid, expiring.kind) == (State.EXPIRING, True, None)
    assert state_on(date(2026, 12, 5), completed=1, valid_until=expires, now=expires - timedelta(days=31)).state == (
        State.COMPLETED
    )
    # the moment it ends, renewal is due: 14 days (the cohort's setting) from the day it ended
    ended = state_on(date(2027, 1, 5), completed=1, valid_until=expires, now=expires)
    assert (ended.state, ended.reason, ended.due_on, ended.overdue, ended.kind, ended.is_valid) == (
        State.RENEWAL_DUE,
        Reason.EXPIRED,
        date(2027, 1, 19),
        False,
        "renewal",
        False,
    )
    assert state_on(date(2027, 1, 19), completed=1, valid_until=expires).overdue is False
    assert state_on(date(2027, 1, 20), completed=1, valid_until=expires).overdue is True
    renewed = state_on(date(2027, 1, 25), completed=1, valid_until=datetime(2028, 1, 25, tzinfo=UTC))
    assert renewed.state == State.COMPLETED


def test_a_new_edition_a_revocation_and_a_late_assignment_set_the_date_to_renew_by():
    # a newer edition published on 1 March: renewal due 14 days later, although the certificate is valid
    fresh = state_on(date(2027, 3, 5), completed=1, valid_until=None, live=2, edition_on=date(2027, 3, 1))
    assert (fresh.state, fresh.reason, fresh.due_on) == (State.RENEWAL_DUE, Reason.EDITION, date(2027, 3, 15))
    # a certificate revoked on 10 February (summaries give the revocation time as when it stops counting)
    revoked = state_on(date(2027, 2, 11), completed=1, valid_until=datetime(2027, 2, 10, 15, tzinfo=UTC))
    assert (revoked.state, revoked.due_on) == (State.RENEWAL_DUE, date(2027, 2, 24))
    # expired and a newer edition: renewal became needed on the earlier of the two days
    both = state_on(
        date(2027, 3, 5), completed=1, valid_until=datetime(2027, 2, 1, tzinfo=UTC), live=2, edition_on=date(2027, 3, 1)
    )
    assert (both.due_on, both.reason) == (date(2027, 2, 15), Reason.EXPIRED)
    # assigned after it expired: nobody is late for work given today; 14 days from the assignment
    later = state_on(
        date(2027, 2, 2), completed=1, valid_until=datetime(2027, 1, 5, tzinfo=UTC), assigned_on=date(2027, 2, 1)
    )
    assert later.due_on == date(2027, 2, 15)
    # never expires, and completed the live edition: completed for ever
    assert state_on(date(2030, 1, 1), completed=1).state == State.COMPLETED
    assert renewal.stops_counting(datetime(2027, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)) == datetime(
        2026, 12, 1, tzinfo=UTC
    )
    assert renewal.stops_counting(datetime(2027, 1, 1, tzinfo=UTC), None) == datetime(2027, 1, 1, tzinfo=UTC)
    assert renewal.stops_counting(None, None) is None


# --- a cohort in the database -------------------------------------------------------------------------------


def certify(
    user: User,
    module,
    *,
    completed_at: datetime,
    valid_until: datetime | None,
    revoked_at: datetime | None = None,
    edition: int = 1,
    renewal_number: int = 0,
    percent: int = 90,
) -> Certificate:
    """A completion with its certificate, then the summaries hook the application calls."""
    completion = ModuleCompletion(
        user_id=user.id,
        module_id=module.id,
        version_id=module.current_version_id,
        edition=edition,
        language="en",
        completed_at=completed_at,
        percent=percent,
        renewal=renewal_number,
    )
    db.session.add(completion)
    db.session.flush()
    certificate = Certificate(
        code=secrets.token_urlsafe(16),
        completion_id=completion.id,
        issued_at=completed_at,
        valid_until=valid_until,
        revoked_at=revoked_at,
    )
    db.session.add(certificate)
    summaries.refresh_learner(user.id, module.id)
    db.session.commit()
    return certificate


def backdate(cohort: Cohort, module, *, assigned: datetime = ASSIGNED, published: datetime = ASSIGNED) -> None:
    db.session.execute(
        update(CohortAssignment).where(CohortAssignment.cohort_id == cohort.id).values(assigned_at=assigned)
    )
    db.session.execute(update(ModuleVersion).where(ModuleVersion.module_id == module.id).values(published_at=published))
    db.session.commit()


@pytest.fixture
def programme(make_organisation, make_user):
    """Seven members, one module assigned (due 1 October, 14 days to renew), each in a different state on
    1 December 2026: not started, in progress, completed (valid for a year), expiring on 20 December,
    expired on 20 November, revoked on 25 November, completed without expiry."""
    org = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    people = make_people(org, 7)
    module = make_module("basics")
    cohort = make_cohort(org, "Autumn", people, [(module, DUE)])
    cohort.renewal_days = 14
    db.session.commit()
    backdate(cohort, module)
    visit(people[1], module)
    done = datetime(2026, 10, 1, 10, tzinfo=UTC)
    certify(people[2], module, completed_at=done, valid_until=datetime(2027, 10, 1, tzinfo=UTC))
    certify(people[3], module, completed_at=done, valid_until=datetime(2026, 12, 20, tzinfo=UTC))
    certify(people[4], module, completed_at=done, valid_until=datetime(2026, 11, 20, 8, tzinfo=UTC))
    certify(
        people[5],
        module,
        completed_at=done,
        valid_until=datetime(2027, 10, 1, tzinfo=UTC),
        revoked_at=datetime(2026, 11, 25, 16, tzinfo=UTC),
    )
    certify(people[6], module, completed_at=done, valid_until=None)
    return org, cohort, people, module


NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
TODAY = date(2026, 12, 1)


def _states(now: datetime, cohort: Cohort) -> dict[int, tuple[str, date | None, str | None]]:
    rows = db.session.execute(renewal.states(now, cohorts=[cohort.id])).mappings().all()
    return {row["user_id"]: (row["state"], row["due_on"], row["kind"]) for row in rows}


def _python_states(now: datetime, today: date, cohort: Cohort, module, people) -> dict[int, tuple]:
    version = db.session.get(ModuleVersion, module.current_version_id)
    assignment = db.session.scalar(select(CohortAssignment).where(CohortAssignment.cohort_id == cohort.id))
    found = {}
    for person in people:
        row = db.session.get(LearnerModuleSummary, (person.id, module.id))
        state = renewal.assignment_state(
            completed_edition=row.completed_edition if row else None,
            valid_until=row.valid_until if row else None,
            started=row is not None,
            live_edition=version.edition,
            edition_on=version.published_at.date(),
            assigned_on=assignment.assigned_at.date(),
            due_on=assignment.due_on,
            renewal_days=cohort.renewal_days,
            now=now,
            today=today,
        )
        found[person.id] = (state.state.value, state.due_on, state.kind)
    return found


def test_the_sql_rule_agrees_with_the_python_rule_as_time_passes(app, programme):
    org, cohort, people, module = programme
    for now in (at(date(2026, 11, 1)), NOW, at(date(2026, 12, 19)), at(date(2026, 12, 21)), at(date(2027, 11, 1))):
        assert _states(now, cohort) == _python_states(now, now.date(), cohort, module, people), now
    found = _states(NOW, cohort)
    assert [found[person.id][0] for person in people] == [
        "not-started",
        "in-progress",
        "completed",
        "expiring",
        "renewal-due",
        "renewal-due",
        "completed",
    ]
    assert found[people[4].id][1] == date(2026, 12, 4)  # expired 20 November + 14 days
    assert found[people[5].id][1] == date(2026, 12, 9)  # revoked 25 November + 14 days


def test_due_work_lists_what_is_not_validly_completed(app, programme):
    org, cohort, people, module = programme
    assignment_id = db.session.scalar(select(CohortAssignment.id).where(CohortAssignment.cohort_id == cohort.id))
    rows = set(db.session.execute(renewal.due_work(TODAY)).all())
    assert rows == {
        (people[0].id, cohort.id, assignment_id, module.id, DUE, "assignment"),
        (people[1].id, cohort.id, assignment_id, module.id, DUE, "assignment"),
        (people[4].id, cohort.id, assignment_id, module.id, date(2026, 12, 4), "renewal"),
        (people[5].id, cohort.id, assignment_id, module.id, date(2026, 12, 9), "renewal"),
    }
    # on 20 December the expiring one has ended during that day: due for renewal on 3 January
    later = {row.user_id: row for row in db.session.execute(renewal.due_work(date(2026, 12, 20)))}
    assert later[people[3].id].due_on == date(2027, 1, 3) and later[people[3].id].kind == "renewal"
    # narrowed to some people, and a removed member is no longer asked for anything
    assert {row.user_id for row in db.session.execute(renewal.due_work(TODAY, users=[people[0].id]))} == {people[0].id}
    from literacy.cohorts import membership

    membership.leave(cohort.id, people[0].id)
    db.session.commit()
    assert people[0].id not in {row.user_id for row in db.session.execute(renewal.due_work(TODAY))}


def test_a_newer_edition_makes_renewal_due_from_its_first_publication(app, programme):
    org, cohort, people, module = programme
    version = db.session.get(ModuleVersion, module.current_version_id)
    newer = ModuleVersion(
        module_id=module.id,
        number=2,
        edition=2,
        content_hash="basics-2",
        language="en",
        languages=["en"],
        texts=version.texts,
        level=version.level,
        minutes=10,
        pass_mark=50,
        question_count=version.question_count,
        source={},
        published_at=datetime(2026, 11, 28, 9, tzinfo=UTC),
    )
    db.session.add(newer)
    db.session.flush()
    module.current_version_id = newer.id
    summaries.live_edition_changed(module.id)  # as publishing does: member rows count older editions
    db.session.commit()
    found = _states(NOW, cohort)
    assert found[people[2].id] == ("renewal-due", date(2026, 12, 12), "renewal")  # 28 November + 14 days
    assert found[people[6].id] == ("renewal-due", date(2026, 12, 12), "renewal")
    assert found[people[4].id][1] == date(2026, 12, 4)  # expired before the new edition: the earlier day
    assert _states(NOW, cohort) == _python_states(NOW, TODAY, cohort, module, people)
    assert summaries.differences() == []  # the member rows know the older editions, the rest is unchanged
    overview = org_dashboard.organisation_dashboard(org, TODAY, threshold=1, now=NOW)
    # completed (valid): nobody now; renewal due: the four who completed; overdue: the two never completed
    assert {row[0]: row for row in overview.tables["cohorts"].rows}["Autumn"][4:8] == [0, 0, 5, 2]
    headline = dashboards.cohort_dashboard(cohort, TODAY, now=NOW).headline
    assert (headline["completed"], headline["expiring"], headline["renewal_due"], headline["overdue"]) == (0, 0, 5, 2)
    late = org_dashboard.organisation_dashboard(org, date(2026, 12, 13), threshold=1, now=at(date(2026, 12, 13)))
    assert {row[0]: row for row in late.tables["cohorts"].rows}["Autumn"][7] == 7  # every renewal overdue too
    data = dashboards.cohort_dashboard(cohort, TODAY, now=NOW)
    with app.test_request_context():
        reasons = {row[0]: str(row[3]) for row in data.table("renewals").rows}
    assert reasons["Learner 002"] == "New edition" and reasons["Learner 004"] == "Certificate expired"


# --- summaries stay exact as time passes -----------------------------------------------------------------


def test_summaries_keep_when_each_completion_stops_counting_and_expiry_writes_nothing(app, programme):
    org, cohort, people, module = programme
    stored = {row.user_id: row.valid_until for row in db.session.scalars(select(LearnerModuleSummary))}
    assert stored[people[2].id] == datetime(2027, 10, 1, tzinfo=UTC)
    assert stored[people[5].id] == datetime(2026, 11, 25, 16, tzinfo=UTC)  # revoked before it would expire
    assert stored[people[6].id] is None and stored[people[1].id] is None
    assert summaries.differences() == []
    before = dashboards.cohort_dashboard(cohort, TODAY, now=NOW).headline
    after = dashboards.cohort_dashboard(cohort, date(2026, 12, 21), now=at(date(2026, 12, 21))).headline
    assert (before["expiring"], before["renewal_due"]) == (1, 2)
    assert (after["expiring"], after["renewal_due"]) == (0, 3)  # person 3's certificate ended on 20 December
    assert summaries.differences() == []  # nothing written, and nothing to mend


def test_a_renewal_and_a_revocation_move_the_summary_and_check_sees_a_missed_one(app, programme):
    org, cohort, people, module = programme
    certify(
        people[4],
        module,
        completed_at=at(TODAY),
        valid_until=datetime(2027, 12, 1, tzinfo=UTC),
        renewal_number=1,
    )
    row = db.session.get(LearnerModuleSummary, (people[4].id, module.id))
    assert row.valid_until == datetime(2027, 12, 1, tzinfo=UTC)
    assert _states(NOW, cohort)[people[4].id][0] == "completed"
    # revoked without telling the summaries: the check finds it, and the hook mends it
    certificate = db.session.scalar(
        select(Certificate)
        .join(ModuleCompletion)
        .where(ModuleCompletion.user_id == people[2].id, ModuleCompletion.module_id == module.id)
    )
    certificate.revoked_at = NOW
    db.session.commit()
    assert len(summaries.differences()) == 1
    summaries.completions_changed([certificate.completion_id])
    db.session.commit()
    assert summaries.differences() == []
    assert db.session.get(LearnerModuleSummary, (people[2].id, module.id)).valid_until == NOW
    summaries.rebuild()
    db.session.commit()
    assert summaries.differences() == []


def test_the_migration_fills_valid_until_from_revoked_certificates(empty_database_url):  # noqa: F811
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            for statement in BEFORE_SUMMARIES:
                connection.execute(text(statement))
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO certificate (code, completion_id, issued_at, revoked_at) VALUES "
                    "('kept', 2, '2026-11-06 11:10:00', NULL), "
                    "('gone', 1, '2026-11-03 11:10:00', '2026-11-20 09:00:00')"
                )
            )
        upgrade()
        assert summaries.differences() == []
        assert db.session.get(LearnerModuleSummary, (1, 1)).valid_until == datetime(2026, 11, 20, 9, tzinfo=UTC)
        assert db.session.get(LearnerModuleSummary, (3, 2)).valid_until is None
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


# --- dashboards and exports count valid completions ------------------------------------------------------


def test_the_cohort_dashboard_counts_valid_expiring_and_renewals(app, programme):
    org, cohort, people, module = programme
    data = dashboards.cohort_dashboard(cohort, TODAY, now=NOW)
    assert data.headline["completed"] == 3 and data.headline["expiring"] == 1
    assert data.headline["renewal_due"] == 2 and data.headline["overdue"] == 2  # the two never completed
    row = data.table("modules").rows[0]
    labels = [column.key for column in data.table("modules").columns]
    assert dict(zip(labels[2:], row[2:], strict=True)) == {
        "not_started": 0,
        "in_progress": 0,
        "completed": 2,
        "overdue": 2,
        "expiring": 1,
        "renewal_due": 2,
        "renewal_overdue": 0,
        "pass_rate": None,
    }
    renewals = data.table("renewals").rows
    assert [(row[0], row[7]) for row in renewals] == [
        ("Learner 004", date(2026, 12, 4)),
        ("Learner 005", date(2026, 12, 9)),
    ]
    # ten days on: both renewals are overdue
    later = dashboards.cohort_dashboard(cohort, date(2026, 12, 10), now=at(date(2026, 12, 10)))
    assert later.table("modules").rows[0][8] == 2 and later.headline["overdue"] == 4
    statuses = {learner.name: learner.statuses[module.id] for learner in later.learners}
    assert statuses["Learner 004"] == dashboards.RENEWAL_OVERDUE and statuses["Learner 003"] == dashboards.EXPIRING


def test_the_two_dashboards_count_each_member_once_whatever_the_clock(app, programme):
    """A second module: the organisation view (member rows) and the cohort headline (the Python rule per
    module) agree on completed, expiring, renewal due and overdue as the days pass."""
    org, cohort, people, module = programme
    second = make_module("law")
    db.session.add(CohortAssignment(cohort_id=cohort.id, module_id=second.id, due_on=date(2027, 1, 15)))
    summaries.module_assigned(cohort.id, second.id)
    db.session.commit()
    backdate(cohort, second)
    done = datetime(2026, 10, 1, 10, tzinfo=UTC)
    for person, ends in zip(people[2:], (2027, 2026, 2027, 2028, 2026), strict=True):
        certify(person, second, completed_at=done, valid_until=datetime(ends, 12, 15, tzinfo=UTC))
    assert summaries.differences() == []
    for day in (date(2026, 11, 1), TODAY, date(2026, 12, 16), date(2026, 12, 30), date(2027, 1, 20)):
        now = at(day)
        headline = dashboards.cohort_dashboard(cohort, day, now=now).headline
        overview = org_dashboard.organisation_dashboard(org, day, threshold=1, now=now)
        row = {row[0]: row for row in overview.tables["cohorts"].rows}["Autumn"]
        assert row[4:8] == [headline[key] for key in ("completed", "expiring", "renewal_due", "overdue")], day


def test_the_organisation_overview_counts_valid_completions_on_both_views(app, programme):
    org, cohort, people, module = programme
    data = org_dashboard.organisation_dashboard(org, TODAY, threshold=1, now=NOW)
    cohorts = {row[0]: row for row in data.tables["cohorts"].rows}
    # members, started, completed (valid), expiring, renewal due, overdue, average
    assert cohorts["Autumn"][2:8] == [7, 6, 3, 1, 2, 2]
    coverage = data.tables["coverage"].rows[0]
    # module, edition, people (7 learners and the manager), valid, valid %, current edition, expiring, expired
    assert coverage == ["Title of basics", 1, 8, 3, 37.5, 3, 1, 2]
    later = org_dashboard.organisation_dashboard(org, date(2026, 12, 21), threshold=1, now=at(date(2026, 12, 21)))
    assert later.tables["coverage"].rows[0][3:] == [2, 25.0, 2, 0, 3]
    assert {row[0]: row for row in later.tables["cohorts"].rows}["Autumn"][4:8] == [2, 0, 3, 4]


def written(day: date) -> str:
    """A date as the pages write it: "3 January 2027"."""
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def current(make_organisation, make_user):
    """The same states, around the real clock (pages and exports judge validity now)."""
    org = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    people = make_people(org, 4)
    module = make_module("basics")
    cohort = make_cohort(org, "Autumn", people, [(module, None)])
    now = utcnow()
    certify(people[0], module, completed_at=now - timedelta(days=300), valid_until=now + timedelta(days=200))
    certify(people[1], module, completed_at=now - timedelta(days=300), valid_until=now + timedelta(days=10))
    certify(people[2], module, completed_at=now - timedelta(days=400), valid_until=now - timedelta(days=5))
    return org, cohort, people, module


def test_exports_hold_the_renewals_and_the_coverage_valid_on_its_date(app, client, auth, current):
    org, cohort, people, module = current
    auth.sign_in("manager@a.example")
    base = f"/organisations/org-a/cohorts/{cohort.id}/dashboard"
    page = text_of(client.get(base).get_data(as_text=True))
    assert "Renewals due" in page and "Learner 002" in page and "Certificate expired" in page
    rows = _csv(client.get(f"{base}/renewals.csv"))
    assert rows[0] == [
        "Name",
        "Email address",
        "Module",
        "Reason",
        "Edition completed",
        "Current edition",
        "Valid until",
        "Renew by",
        "Status",
    ]
    expired_on = (utcnow() - timedelta(days=5)).date()
    assigned_on = db.session.scalar(select(CohortAssignment.assigned_at)).date()
    renew_by = max(expired_on, assigned_on) + timedelta(days=30)
    assert rows[1:] == [
        ["Learner 002", "learner2@org-a.example", "Title of basics", "Certificate expired", "1", "1"]
        + [expired_on.isoformat(), renew_by.isoformat(), "Renewal due"]
    ]
    assert _csv(client.get(f"{base}/refresh.csv")) == rows  # the old address still answers
    modules = _csv(client.get(f"{base}/modules.csv"))
    assert modules[0][2:9] == [
        "Not started",
        "In progress",
        "Completed",
        "Overdue",
        "Expiring within 30 days",
        "Renewal due",
        "Renewal overdue",
    ]
    assert modules[1][2:9] == ["1", "0", "1", "0", "1", "1", "0"]
    learners = {row[0]: row for row in _csv(client.get(f"{base}/learners.csv"))}
    assert learners["Learner 001"][2] == "Expiring within 30 days" and learners["Learner 002"][2] == "Renewal due"
    valid_on = f"Valid on {written(date.today())}"
    overview = text_of(client.get("/organisations/org-a/").get_data(as_text=True))
    assert valid_on in overview and "Expired or revoked" in overview
    report = _csv(client.get("/organisations/org-a/dashboard/coverage.csv"))
    assert report[0][3] == valid_on and report[0][-2:] == ["Expiring within 30 days", "Expired or revoked"]
    assert report[1][:3] == ["Title of basics", "1", "5"] and report[1][3] == "fewer than 5"
    side = _csv(client.get("/organisations/org-a/dashboard/cohorts.csv"))
    assert side[0][4:8] == ["Completed all modules (valid)", "Expiring within 30 days", "Renewal due", "Overdue"]


def test_the_dashboards_cost_the_same_queries_with_expiry(app, client, auth, current):
    """Validity costs no query per learner: adding expired and expiring people changes no count."""
    from .test_dashboards import _queries

    org, cohort, people, module = current
    auth.sign_in("manager@a.example")
    paths = [f"/organisations/org-a/cohorts/{cohort.id}/dashboard", "/organisations/org-a/"]
    before = [_queries(app, lambda path=path: client.get(path).get_data()) for path in paths]
    more = make_people(org, 20, "more")
    from literacy.cohorts import membership

    membership.join(cohort.id, [person.id for person in more])
    db.session.commit()
    now = utcnow()
    for number, person in enumerate(more):
        certify(person, module, completed_at=now - timedelta(days=100), valid_until=now + timedelta(days=number - 10))
    assert [_queries(app, lambda path=path: client.get(path).get_data()) for path in paths] == before


# --- My learning ---------------------------------------------------------------------------------------


def test_my_learning_shows_each_assignments_state_and_every_certificate(app, client, auth, current, make_user):
    org, cohort, people, module = current
    soon_module = make_module("law")
    gone_module = make_module("ethics")
    other = make_cohort(org, "Winter", [], [(soon_module, None), (gone_module, None)])
    from literacy.cohorts import membership

    membership.join(other.id, [people[3].id])
    db.session.commit()
    now = utcnow()
    person = people[3]
    certify(person, soon_module, completed_at=now - timedelta(days=300), valid_until=now + timedelta(days=12))
    first = certify(person, gone_module, completed_at=now - timedelta(days=800), valid_until=now - timedelta(days=400))
    certify(
        person,
        gone_module,
        completed_at=now - timedelta(days=420),
        valid_until=now - timedelta(days=2),
        renewal_number=1,
    )
    learning = my_learning_service.my_learning(person, "en", now.date(), now)
    tags = {item.module.slug: item.tag for item in learning.assignments}
    assert tags == {"basics": "assigned", "law": "expiring", "ethics": "renewal-due"}
    ethics = next(item for item in learning.assignments if item.module.slug == "ethics")
    assigned_on = db.session.scalar(
        select(CohortAssignment.assigned_at).where(CohortAssignment.module_id == gone_module.id)
    ).date()
    assert ethics.due_on == max((now - timedelta(days=2)).date(), assigned_on) + timedelta(days=30)
    completed = {item.module.slug: item for item in learning.completed}
    assert [record.validity for record in [completed["ethics"].certificate, *completed["ethics"].history]] == [
        "expired",
        "expired",
    ]
    assert completed["ethics"].history[0].code == first.code  # the older certificate is kept
    assert learning.due == 2  # basics to do, ethics to renew

    auth.sign_in(person.email)
    html = client.get("/my-learning").get_data(as_text=True)
    page = text_of(html)
    renew_by, expires, ended = (
        written(day) for day in (ethics.due_on, (now + timedelta(days=12)).date(), (now - timedelta(days=2)).date())
    )
    assert "Renewal due" in page and f"Renew by {renew_by}" in page
    assert f"Expires {expires}" in page and f"Expired on {ended}" in page
    assert "(an earlier certificate)" in page and f"/my-learning/certificates/{first.code}" in html


def test_my_learning_says_when_a_renewal_is_overdue(app, client, auth, current):
    org, cohort, people, module = current
    cohort.renewal_days = 3
    db.session.commit()
    learning = my_learning_service.my_learning(people[2], "en", date.today() + timedelta(days=40))
    assert [(item.tag, item.overdue) for item in learning.assignments] == [("renewal-overdue", True)]
    later = my_learning_service.my_learning(people[0], "en", date.today(), utcnow() + timedelta(days=400))
    assert [item.tag for item in later.assignments] == ["renewal-due"]


# --- days to renew on the cohort form -------------------------------------------------------------------


def test_a_manager_sets_the_days_to_renew(app, client, auth, programme):
    org, cohort, people, module = programme
    auth.sign_in("manager@a.example")
    edit = f"/organisations/org-a/cohorts/{cohort.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'name="renewal_days"' in page and 'value="14"' in page and "from 1 to 365" in page
    response = auth.post(edit, {"name": "Autumn", "renewal_days": "45"})
    assert response.status_code == 302
    db.session.refresh(cohort)
    assert cohort.renewal_days == 45
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cohort.updated")).all()[-1]
    assert event.details["renewal_days"] == 45
    # the dates to renew by follow at once, on the pages and in the members' summary rows
    assert _states(NOW, cohort)[people[4].id][1] == date(2027, 1, 4)
    assert summaries.differences() == []
    created = auth.post("/organisations/org-a/cohorts/new", {"name": "Spring", "renewal_days": "60"})
    assert created.status_code == 302
    assert db.session.scalar(select(Cohort.renewal_days).where(Cohort.name == "Spring")) == 60


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the number of days members have to renew"),
        ("0", "Days to renew must be a whole number from 1 to 365"),
        ("366", "Days to renew must be a whole number from 1 to 365"),
        ("two weeks", "Days to renew must be a whole number from 1 to 365"),
        ("1.5", "Days to renew must be a whole number from 1 to 365"),
        ("-3", "Days to renew must be a whole number from 1 to 365"),
    ],
)
def test_the_days_to_renew_are_checked_and_what_was_typed_is_kept(app, client, auth, programme, typed, message):
    org, cohort, people, module = programme
    auth.sign_in("manager@a.example")
    response = auth.post(f"/organisations/org-a/cohorts/{cohort.id}/edit", {"name": "Autumn", "renewal_days": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error:" in page and "There is a problem" in page
    assert f'<a href="#renewal_days">{message}</a>' in page
    assert f'value="{typed}"' in page or (typed == "" and 'value=""' in page)
    db.session.refresh(cohort)
    assert cohort.renewal_days == 14


def test_only_the_organisations_managers_set_the_days_to_renew(
    app, client, auth, programme, make_organisation, make_user
):
    org, cohort, people, module = programme
    other = make_organisation("org-b", "Organisation B")
    make_user("manager@b.example", organisation=other, roles=("manager",))
    edit = f"/organisations/org-a/cohorts/{cohort.id}/edit"
    assert client.post(edit, data={"name": "Autumn", "renewal_days": "99"}).status_code in (302, 400)
    auth.sign_in(people[0].email)  # a learner of the organisation
    assert auth.post(edit, {"name": "Autumn", "renewal_days": "99"}).status_code == 403
    assert client.get(edit).status_code == 403
    auth.sign_out()
    auth.sign_in("manager@b.example")  # another organisation's manager
    assert auth.post(edit, {"name": "Autumn", "renewal_days": "99"}).status_code == 403
    assert auth.post(f"/organisations/org-b/cohorts/{cohort.id}/edit", {"renewal_days": "99"}).status_code == 404
    db.session.refresh(cohort)
    assert cohort.renewal_days == 14
