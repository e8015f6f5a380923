"""CSV exports stream: headings first, then chunks of tens of KiB read from a server-side cursor; each export
computes only its own table; the learners grid in SQL gives exactly what ``renewal.classify`` gives."""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from literacy import renewal, tables
from literacy.cohorts import dashboards
from literacy.extensions import db
from literacy.models import CohortAssignment, LearnerModuleSummary
from literacy.tables import Column, csv_chunks

from .cohorts_support import attempt, complete, make_cohort, make_module, make_people

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
#: the pages read the real clock: a due date that stays ahead of it keeps the statuses "Not started"
DUE = date.today() + timedelta(days=30)


class Statements:
    """The SQL statements run while it is active."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __enter__(self) -> Statements:
        event.listen(db.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(db.engine, "before_cursor_execute", self._before)

    def _before(self, _connection, _cursor, statement, *_args) -> None:
        self.seen.append(statement)


@pytest.fixture
def big_cohort(make_organisation, make_user):
    org = make_organisation("org-a")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    module = make_module("basics")
    people = make_people(org, 120)
    cohort = make_cohort(org, "Big", people, [(module, DUE)])
    for person in people[:30]:
        attempt(person, module, {"q1": "b", "q2": "a", "q3": "b"})
        complete(person, module, percent=67)
    return org, cohort, people


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_chunks_are_bounded_and_the_headings_come_first():
    rows = ([f"=name {n}", n, None] for n in range(2_000))
    chunks = list(csv_chunks([Column("a", "Name"), Column("b", "N", True), Column("c", "C")], rows, "x", size=4096))
    assert chunks[0] == "\ufeffName,N,C\r\n"  # the headings alone, before any row is read
    assert len(chunks) > 5 and all(len(chunk) < 4096 + 100 for chunk in chunks)
    parsed = _csv("".join(chunks))
    assert len(parsed) == 2_001 and parsed[1] == ["'=name 0", "0", ""] and parsed[-1][1] == "1999"


def test_learners_csv_streams_in_several_chunks_before_its_rows_are_read(app, client, auth, big_cohort, monkeypatch):
    org, cohort, people = big_cohort
    monkeypatch.setattr(tables, "CHUNK_SIZE", 1024)
    auth.sign_in("manager@a.example")
    path = f"/organisations/org-a/cohorts/{cohort.id}/dashboard/learners.csv"
    whole = client.get(path).get_data(as_text=True)
    with Statements() as before_body:
        response = client.get(path, buffered=False)
        body = iter(response.response)
        first = next(body)
    with Statements() as rest:
        chunks = [first, *body]
    response.close()
    # the view and the first chunk (the headings) ran no select of the learners; the rows came after
    assert not any("AS learners" in statement for statement in before_body.seen)
    assert sum("AS learners" in statement for statement in rest.seen) == 1
    assert _csv(first.decode() if isinstance(first, bytes) else first)[0][:2] == ["Name", "Email address"]
    text = "".join(chunk.decode() if isinstance(chunk, bytes) else chunk for chunk in chunks)
    assert text == whole and len(chunks) >= 5
    assert all(len(chunk) < 1024 + 200 for chunk in chunks)
    rows = _csv(text)
    assert len(rows) == 121 and rows[1][0] == "Learner 000"
    assert Counter(row[2] for row in rows[1:]) == {"Completed": 30, "Not started": 90}


def test_each_export_computes_only_its_own_table(app, client, auth, big_cohort):
    org, cohort, people = big_cohort
    auth.sign_in("manager@a.example")
    base = f"/organisations/org-a/cohorts/{cohort.id}/dashboard"
    with Statements() as page:
        client.get(base).get_data()
    with Statements() as modules:
        rows = _csv(client.get(f"{base}/modules.csv").get_data(as_text=True))
    assert rows[1][:6] == ["Title of basics", DUE.isoformat(), "90", "0", "30", "0"]
    assert not any("AS learners" in statement for statement in modules.seen)  # no learners grid for modules.csv
    assert any("AS learners" in statement for statement in page.seen)
    with Statements() as weeks:
        client.get(f"{base}/weeks.csv").get_data()
    assert not any("AS grid" in statement or "answer_tally" in statement for statement in weeks.seen)
    assert len(weeks.seen) < len(modules.seen) < len(page.seen)


def _counts(client, base: str) -> list[int]:
    found = []
    for name in (*dashboards.TABLES, "questions", "options", "learners"):
        with Statements() as statements:
            client.get(f"{base}/{name}.csv").get_data()
        found.append(len(statements.seen))
    return found


def test_export_query_counts_do_not_depend_on_cohort_size(app, client, auth, make_organisation, make_user):
    org = make_organisation("org-a")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    module = make_module("basics", precheck=True, confidence=True)
    small = make_cohort(org, "Small", make_people(org, 2, "small"), [(module, date(2026, 12, 1))])
    big_people = make_people(org, 40, "big")
    big = make_cohort(org, "Big", big_people, [(module, date(2026, 11, 1))])
    for person in big_people[:25]:
        attempt(person, module, {"p1": "a"}, purpose="precheck")
        attempt(person, module, {"q1": "b", "q2": "a", "q3": "b"}, confidence={"q1": 3, "q2": 2, "q3": 1})
        complete(person, module, percent=67)
    auth.sign_in("manager@a.example")
    small_counts = _counts(client, f"/organisations/org-a/cohorts/{small.id}/dashboard")
    assert small_counts == _counts(client, f"/organisations/org-a/cohorts/{big.id}/dashboard")


# --- the SQL grid against the rule in Python ------------------------------------------------------------

_examples = itertools.count()
# per person: None (never opened), or (completed edition or None, valid until: days from now or None)
person = st.one_of(
    st.none(),
    st.tuples(st.none(), st.none()),
    st.tuples(st.sampled_from([1, 2]), st.one_of(st.none(), st.sampled_from([-400, -40, -1, 0, 1, 10, 29, 31, 200]))),
)


def _expected(dashboard, modules, rows, renewal_days):
    """The statuses as the dashboard computed them in Python before issue 16 (``renewal.classify`` per cell)."""
    statuses, renewals = {}, []
    for user_id in rows["people"]:
        for module in modules:
            row = rows.get((user_id, module.module_id))
            done, valid_until = (None, None) if row is None else row
            state, due, late, _reason = renewal.classify(
                done,
                valid_until,
                row is not None,
                module.edition,
                module.edition_on,
                module.assigned_on,
                module.due_on,
                renewal_days,
                NOW,
                TODAY,
            )
            if state == renewal.State.COMPLETED:
                status = dashboards.COMPLETED
            elif state == renewal.State.EXPIRING:
                status = dashboards.EXPIRING
            elif state == renewal.State.RENEWAL_DUE:
                status = dashboards.RENEWAL_OVERDUE if late else dashboards.RENEWAL_DUE
                renewals.append((user_id, module.module_id, due))
            elif late:
                status = dashboards.OVERDUE
            else:
                status = dashboards.IN_PROGRESS if state == renewal.State.IN_PROGRESS else dashboards.NOT_STARTED
            statuses[(user_id, module.module_id)] = status
    return statuses, renewals


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    people=st.lists(st.tuples(person, person), min_size=1, max_size=6),
    due=st.tuples(st.sampled_from([None, -5, 0, 5]), st.sampled_from([None, -5, 0, 5])),
    published=st.sampled_from([-90, -20, -1, 0]),
    assigned=st.sampled_from([-60, -10, 0]),
    renewal_days=st.sampled_from([1, 30, 90]),
)
def test_the_grid_in_sql_is_the_rule_in_python(app, make_organisation, people, due, published, assigned, renewal_days):
    example = next(_examples)
    org = make_organisation(f"oracle-{example}")
    old = make_module(f"old-{example}", edition=2)
    new = make_module(f"new-{example}")
    old.current_version.published_at = NOW + timedelta(days=published)
    members = make_people(org, len(people))
    cohort = make_cohort(org, "Oracle", members, [(old, _day(due[0])), (new, _day(due[1]))])
    cohort.renewal_days = renewal_days
    for assignment in db.session.scalars(db.select(CohortAssignment).where(CohortAssignment.cohort_id == cohort.id)):
        assignment.assigned_at = NOW + timedelta(days=assigned)
    db.session.query(LearnerModuleSummary).filter(
        LearnerModuleSummary.user_id.in_([member.id for member in members])
    ).delete()
    rows = {"people": [member.id for member in members]}
    for member, choices in zip(members, people, strict=True):
        for module, choice in zip((old, new), choices, strict=True):
            if choice is None:
                continue
            edition, days = choice
            if module is new and edition == 2:
                edition = 1
            valid_until = NOW + timedelta(days=days) if days is not None and edition else None
            db.session.add(
                LearnerModuleSummary(
                    user_id=member.id,
                    module_id=module.id,
                    last_activity_at=NOW - timedelta(days=3),
                    lessons_completed=1,
                    completed_edition=edition,
                    first_completed_at=NOW - timedelta(days=3) if edition else None,
                    valid_until=valid_until,
                    completion_percent=None,
                    assessment_best=None,
                    assessment_passed=False,
                    precheck_lowest=None,
                )
            )
            rows[(member.id, module.id)] = (edition, valid_until)
    db.session.commit()
    for whole in (False, True):  # each part on its own (exports), and the page's shared read (PostgreSQL)
        _check_against_the_rule(dashboards.cohort_dashboard(cohort, TODAY, now=NOW, whole=whole), rows, members)


def _check_against_the_rule(data, rows, members) -> None:
    renewal_days = data.cohort.renewal_days
    statuses, renewals = _expected(data, data.modules, rows, renewal_days)
    found = {
        (learner.user_id, module_id): status
        for learner in data.learners
        for module_id, status in learner.statuses.items()
    }
    assert found == statuses
    per_module = {row[0]: row[2:9] for row in data.table("modules").rows}
    for module in data.modules:
        counted = Counter(status for (_, module_id), status in statuses.items() if module_id == module.module_id)
        assert per_module[module.title] == [counted[status] for status in dashboards.STATUSES]
    by_person = [[statuses[(user_id, module.module_id)] for module in data.modules] for user_id in rows["people"]]
    renewing = [any(s in dashboards.RENEWAL_STATUSES for s in each) for each in by_person]
    assert data.headline["renewal_due"] == sum(renewing)
    assert data.headline["expiring"] == sum(
        dashboards.EXPIRING in each and not renews for each, renews in zip(by_person, renewing, strict=True)
    )
    assert data.headline["overdue"] == sum(any(s in dashboards.LATE_STATUSES for s in each) for each in by_person)
    assert data.headline["completed"] == sum(all(s in dashboards.VALID_STATUSES for s in each) for each in by_person)
    titles = {module.module_id: module.title for module in data.modules}
    names = {member.id: member.name for member in members}
    assert sorted((row[0], row[2], row[7]) for row in data.table("renewals").rows) == sorted(
        (names[user_id], titles[module_id], due_on) for user_id, module_id, due_on in renewals
    )


def _day(offset: int | None) -> date | None:
    return TODAY + timedelta(days=offset) if offset is not None else None
