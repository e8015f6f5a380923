"""Cohort and organisation pages in a real browser: axe-clean, charts readable, forms usable without JavaScript."""

from __future__ import annotations

from datetime import date

import pytest

from literacy.extensions import db
from literacy.models import Membership, User
from literacy.organisations import invitations

from ..cohorts_support import attempt, complete, make_cohort, make_module, make_people, visit
from .conftest import assert_no_axe_violations


@pytest.fixture
def programme(live_server):
    """An organisation with a manager-admin, a cohort with progress, and an open invitation."""
    with live_server.app.app_context():
        from literacy.models import Organisation

        org = Organisation(slug="org-a", name="Organisation A")
        db.session.add(org)
        db.session.flush()
        boss = User(email="boss@a.example", name="Bryn Boss")
        boss.set_password("correct horse battery")
        db.session.add(boss)
        db.session.flush()
        db.session.add(Membership(user_id=boss.id, organisation_id=org.id, role="org_admin"))
        db.session.commit()
        people = make_people(org, 8)
        basics = make_module("basics", edition=2)
        law = make_module("law", questions=2, precheck=True, confidence=True)
        cohort = make_cohort(org, "Autumn", people, [(basics, date(2026, 11, 20)), (law, None)])
        for number, person in enumerate(people[:6]):
            visit(person, basics)
            attempt(person, basics, {"q1": "b", "q2": "ab"[number % 2], "q3": "cb"[number % 3 == 0]})
            if number < 4:
                complete(person, basics, edition=1 + number % 2, percent=60 + number * 10)
            attempt(person, law, {"p1": "b"}, purpose="precheck")
            attempt(person, law, {"q1": "b", "q2": "a"}, confidence={"q1": 3, "q2": 3 - number % 2})
        _invitation, token = invitations.invite_person(boss, org, "new@a.example", "New Person", "learner")
        _invitation, existing = invitations.invite_person(boss, org, people[1].email, "", "manager")
        db.session.commit()
        return {"cohort": cohort.id, "token": token, "existing": existing, "person": people[0].id}


def sign_in(page) -> None:
    page.goto("/sign-in")
    page.fill("#email", "boss@a.example")
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def test_cohort_and_organisation_pages_have_no_axe_violations(page, programme):
    sign_in(page)
    cohort = programme["cohort"]
    for path in [
        "/organisations/org-a/",
        "/organisations/org-a/cohorts",
        "/organisations/org-a/cohorts/new",
        f"/organisations/org-a/cohorts/{cohort}",
        f"/organisations/org-a/cohorts/{cohort}/edit",
        f"/organisations/org-a/cohorts/{cohort}/members/add",
        f"/organisations/org-a/cohorts/{cohort}/dashboard",
        f"/organisations/org-a/cohorts/{cohort}/dashboard?status=overdue&sort=best_score&order=desc",
        "/organisations/org-a/people",
        "/organisations/org-a/people/invite",
        f"/organisations/org-a/people/{programme['person']}/roles",
    ]:
        page.goto(path)
        assert_no_axe_violations(page)
    page.goto(f"/organisations/org-a/cohorts/{cohort}/dashboard")
    assert page.locator("svg[role=img]").count() >= 3
    page.get_by_text("Show the data behind this chart").first.click()
    assert page.locator("details[open] table").first.is_visible()
    assert_no_axe_violations(page)


def test_forms_with_errors_have_no_axe_violations(page, programme):
    sign_in(page)
    page.goto("/organisations/org-a/cohorts/new")
    page.fill("#starts_on-day", "1")
    page.fill("#starts_on-month", "2")
    page.fill("#starts_on-year", "2027")
    page.fill("#ends_on-day", "1")
    page.fill("#ends_on-month", "1")
    page.fill("#ends_on-year", "2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Create cohort").click()
    assert page.title().startswith("Error:")
    assert page.locator(".error-summary").is_visible()
    assert_no_axe_violations(page)
    page.goto(f"/organisations/org-a/cohorts/{programme['cohort']}/members/add")
    page.fill("#emails", "good@a.example\nnot an email")
    with page.expect_navigation():
        page.get_by_role("button", name="Add people").click()
    assert page.get_by_text("Line 2:").first.is_visible()
    assert_no_axe_violations(page)
    page.goto(f"/organisations/org-a/people/{programme['person']}/roles")
    page.uncheck("#role-learner")
    with page.expect_navigation():
        page.get_by_role("button", name="Save roles").click()
    assert page.title().startswith("Error:")
    assert_no_axe_violations(page)


def test_a_manager_adds_people_and_sees_them(page, programme):
    sign_in(page)
    page.goto(f"/organisations/org-a/cohorts/{programme['cohort']}/members/add")
    page.fill("#emails", "someone.new@a.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Add people").click()
    assert page.get_by_text("0 added, 1 invited, 0 already in the cohort").is_visible()
    assert page.get_by_role("cell", name="someone.new@a.example").is_visible() or page.get_by_text(
        "someone.new@a.example"
    ).first.is_visible()
    assert_no_axe_violations(page)


def test_invitation_pages_have_no_axe_violations(page, programme):
    page.goto(f"/invitations/{programme['token']}")
    assert page.get_by_role("heading", name="Join Organisation A").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    assert page.title().startswith("Error:")
    assert_no_axe_violations(page)
    page.goto("/invitations/no-such-token")
    assert_no_axe_violations(page)
    page.goto(f"/invitations/{programme['existing']}")
    assert page.get_by_text("There is already an account with this email address").is_visible()
    assert_no_axe_violations(page)


def test_welsh_dashboard_has_no_axe_violations(page, programme):
    sign_in(page)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="Cymraeg").click()
    page.goto(f"/organisations/org-a/cohorts/{programme['cohort']}/dashboard")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.get_by_role("heading", name="Dangosfwrdd", exact=True).is_visible()
    assert_no_axe_violations(page)
    page.goto("/organisations/org-a/")
    assert_no_axe_violations(page)
