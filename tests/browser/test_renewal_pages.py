"""Renewal in a real browser: My learning with an expiring certificate, a renewal due and an earlier
certificate, the cohort dashboard's renewals table, the organisation's coverage valid on its date, and the
cohort form's days to renew with an error, all without axe violations."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from literacy import summaries
from literacy.extensions import db
from literacy.models import Certificate, Membership, ModuleCompletion, User, utcnow

from ..cohorts_support import make_cohort, make_module, make_people
from .conftest import assert_no_axe_violations


def _certify(user, module, completed_at, valid_until, renewal=0) -> None:
    completion = ModuleCompletion(
        user_id=user.id,
        module_id=module.id,
        version_id=module.current_version_id,
        edition=1,
        language="en",
        completed_at=completed_at,
        percent=80,
        renewal=renewal,
    )
    db.session.add(completion)
    db.session.flush()
    db.session.add(
        Certificate(
            code=secrets.token_urlsafe(16), completion_id=completion.id, issued_at=completed_at, valid_until=valid_until
        )
    )
    summaries.refresh_learner(user.id, module.id)
    db.session.commit()


@pytest.fixture
def renewals(live_server):
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
        people = make_people(org, 6)
        basics, law = make_module("basics"), make_module("law")
        cohort = make_cohort(org, "Autumn", people, [(basics, None), (law, None)])
        now = utcnow()
        learner = people[0]
        _certify(learner, basics, now - timedelta(days=800), now - timedelta(days=400))
        _certify(learner, basics, now - timedelta(days=420), now - timedelta(days=3), renewal=1)
        _certify(learner, law, now - timedelta(days=300), now + timedelta(days=12))
        for person in people[1:]:
            _certify(person, basics, now - timedelta(days=10), now + timedelta(days=355))
        return {"cohort": cohort.id, "learner": learner.email}


def _sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.fill("#email", email)
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def test_my_learning_with_renewals_has_no_axe_violations(page, renewals):
    _sign_in(page, renewals["learner"])
    page.goto("/my-learning")
    text = page.locator("main").inner_text()
    assert "Renewal due" in text and "Renew by" in text and "Expires" in text
    assert "(an earlier certificate)" in text and "Expired on" in text
    assert_no_axe_violations(page)


def test_manager_pages_with_renewals_have_no_axe_violations(page, renewals):
    _sign_in(page, "boss@a.example")
    cohort = renewals["cohort"]
    page.goto(f"/organisations/org-a/cohorts/{cohort}/dashboard")
    assert page.locator("#renewals").is_visible()
    assert "Certificate expired" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.goto("/organisations/org-a/")
    assert "Valid on" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.goto(f"/organisations/org-a/cohorts/{cohort}/edit")
    page.fill("#renewal_days", "400")
    with page.expect_navigation():
        page.get_by_role("button", name="Save cohort").click()
    assert page.title().startswith("Error:")
    assert page.locator(".error-summary a[href='#renewal_days']").is_visible()
    assert page.input_value("#renewal_days") == "400"
    assert_no_axe_violations(page)
