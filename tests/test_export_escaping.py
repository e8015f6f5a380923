"""CSV formula injection: every cell of every export, the heading row included, goes through one escaping
function, so a title, a name or an answer like ``=HYPERLINK(...)`` is text in a spreadsheet, never a formula.

The exports are found from the URL map, so a new CSV route that this test does not download fails it.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from literacy.cohorts.views import EXPORTS as COHORT_EXPORTS
from literacy.extensions import db
from literacy.models import ModuleVersion, Question
from literacy.organisations.views import ORGANISATION_EXPORTS
from literacy.tables import FORMULA_STARTS, Column, Suppressed, csv_cell, csv_lines, escape_cell

from .cohorts_support import attempt, complete, make_cohort, make_module, make_people, visit

HOSTILE = ['=HYPERLINK("http://x")', "+1", "-1+1", "@SUM(1)", "\tTabbed", "\rReturned", "\nFed", "  =SUM(A1)"]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"), newline="")))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _assert_safe(rows: list[list[str]], where: str) -> None:
    assert rows, where
    for number, row in enumerate(rows):
        for cell in row:
            start = cell.lstrip(" ")[:1]
            if start == "-" and _is_number(cell):
                continue  # a real negative number stays a number
            assert start not in FORMULA_STARTS, f"{where} row {number}: {cell!r}"


def _retitle(module, title: str) -> None:
    version = db.session.get(ModuleVersion, module.current_version_id)
    version.texts = {"en": {"title": title}}
    for question in db.session.query(Question).filter_by(version_id=version.id, purpose="assessment"):
        question.options = [{"key": key, "html": f"<p>{text}</p>"} for key, text in zip("abc", HOSTILE, strict=False)]


@pytest.fixture
def hostile(make_organisation, make_user):
    """An organisation whose module titles, options, cohort names and people's names are all formulas."""
    org = make_organisation("org-a", "Organisation A")
    central = make_organisation("central", "@SUM(1) central")
    make_user("manager@a.example", organisation=org, roles=("manager",))
    people = make_people(org, 8)
    for person, name in zip(people, HOSTILE, strict=True):
        person.name = name
    people[0].email = "-2+3@org-a.example"
    basics = make_module("basics", edition=2, questions=3)
    law = make_module("law", questions=2, precheck=True, confidence=True)
    _retitle(basics, '=HYPERLINK("http://x","basics")')
    _retitle(law, "@SUM(1) law")
    db.session.commit()
    cohort = make_cohort(org, "=cmd|' /C calc'!A0", people, [(basics, date(2026, 11, 20)), (law, date(2026, 12, 20))])
    make_cohort(central, "+cross-government", people[:6], [(basics, None)])
    for person in people[:6]:
        complete(person, basics, edition=2, percent=100)
        attempt(person, basics, {"q1": "b", "q2": "a", "q3": "b"})
        # a pre-check of 100% then an assessment of 0%: a negative learning gain
        attempt(person, law, {"p1": "a"}, purpose="precheck")
        attempt(person, law, {"q1": "a", "q2": "a"}, confidence={"q1": 3, "q2": 1})
    complete(people[6], basics, edition=1, percent=50, at=datetime(2026, 11, 10, tzinfo=UTC))  # refresh due
    visit(people[7], basics)
    return org, cohort


def test_every_csv_route_is_covered(app):
    """Every CSV the site produces is one of the export routes this file downloads."""
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv")}
    assert routes == {"cohorts.export", "organisations.export", "admin.audit_csv", "organisations.audit_csv"}


def test_every_cell_of_the_audit_log_exports_is_escaped(app, client, auth, hostile, make_user):
    """Actors', targets' and organisations' names and the details come from people: all escaped."""
    from literacy import audit
    from literacy.models import Organisation, User

    org, cohort = hostile
    make_user("root@example.org", site_admin=True)
    boss = make_user("boss@a.example", name="=HYPERLINK(\"http://x\")", organisation=org, roles=("org_admin",))
    central = db.session.scalar(db.select(Organisation).where(Organisation.slug == "central"))
    for person in db.session.scalars(db.select(User).where(User.email.like("%@org-a.example"))):
        audit.record(boss, org, "organisation.roles_changed", person, email=person.email, roles=["+1"])
    audit.record(boss, central, "cohort.updated", cohort, name="@SUM(1)")
    db.session.commit()
    auth.sign_in("root@example.org")
    site = _csv(client.get("/admin/audit.csv"))
    _assert_safe(site, "admin audit.csv")
    assert len(site) == 10 and "'@SUM(1) central" in {row[1] for row in site}
    assert {row[2] for row in site[1:]} == {"'=HYPERLINK(\"http://x\")"}
    auth.sign_out()
    auth.sign_in("boss@a.example")
    own = _csv(client.get("/organisations/org-a/audit.csv"))
    _assert_safe(own, "organisation audit.csv")
    assert len(own) == 9


def test_every_cell_of_every_cohort_export_is_escaped(app, client, auth, hostile):
    org, cohort = hostile
    auth.sign_in("manager@a.example")
    seen = ""
    for name in COHORT_EXPORTS:
        rows = _csv(client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/{name}.csv"))
        _assert_safe(rows, f"{name}.csv")
        seen += repr(rows)
    learners = _csv(client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/learners.csv"))
    # the module titles are column headings of learners.csv: escaped like any data cell
    assert "'=HYPERLINK(\"http://x\",\"basics\")" in learners[0] and "'@SUM(1) law" in learners[0]
    names = {row[0] for row in learners[1:]}
    assert {"'=HYPERLINK(\"http://x\")", "'+1", "'-1+1", "'@SUM(1)", "'\tTabbed", "'\rReturned", "'\nFed",
            "'  =SUM(A1)"} == names
    assert "'-2+3@org-a.example" in {row[1] for row in learners[1:]}
    options = _csv(client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/options.csv"))
    assert "'=HYPERLINK(\"http://x\")" in {row[2] for row in options[1:]}
    gain = _csv(client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/gain.csv"))
    assert gain[1] == ["'@SUM(1) law", "6", "100.0", "0.0", "-100.0"]  # the negative gain is still a number
    assert "'=HYPERLINK" in seen and "'@SUM(1) law" in seen


def test_every_cell_of_every_organisation_export_is_escaped(app, client, auth, hostile, make_user):
    org, cohort = hostile
    auth.sign_in("manager@a.example")
    found: dict[str, list[list[str]]] = {}
    for name in ORGANISATION_EXPORTS:
        found[name] = _csv(client.get(f"/organisations/org-a/dashboard/{name}.csv"))
        _assert_safe(found[name], f"{name}.csv")
    assert found["cohorts"][1][0] == "'=cmd|' /C calc'!A0"
    assert {row[0] for row in found["coverage"][1:]} == {"'=HYPERLINK(\"http://x\",\"basics\")", "'@SUM(1) law"}
    assert found["elsewhere"][1][:2] == ["'@SUM(1) central", "'+cross-government"]


def test_translated_headings_go_through_the_same_function(app, client, auth, hostile):
    org, cohort = hostile
    auth.sign_in("manager@a.example")
    path = f"/organisations/org-a/cohorts/{cohort.id}/dashboard/learners.csv"
    rows = _csv(client.get(path, headers={"Accept-Language": "cy"}))
    assert rows[0][0] != "Name"  # the Welsh headings
    assert "'=HYPERLINK(\"http://x\",\"basics\")" in rows[0]
    _assert_safe(rows, "learners.csv")


def test_the_one_escaping_function():
    for text in HOSTILE:
        assert escape_cell(text) == "'" + text
    assert escape_cell("Plain title") == "Plain title" and escape_cell("") == ""
    assert escape_cell("-5") == "'-5"  # text that looks like a number is still text
    # numbers are written as numbers, negative ones included; text, dates and "fewer than N" are safe
    assert csv_cell(-3, "x") == "-3" and csv_cell(-2.5, "x") == "-2.5" and csv_cell(0.87, "x") == "0.87"
    assert csv_cell(date(2026, 1, 2), "x") == "2026-01-02"
    assert csv_cell(Suppressed(5), "=fewer") == "'=fewer"
    lines = list(csv_lines([Column("a", "=A"), Column("b", "+B", True)], [["@x", -1], [None, 2.0]], "n"))
    assert [next(csv.reader([line.lstrip("\ufeff")])) for line in lines] == [
        ["'=A", "'+B"], ["'@x", "-1"], ["", "2.0"]
    ]
