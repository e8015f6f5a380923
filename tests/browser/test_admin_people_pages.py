"""Site administrators' people pages and the audit log in a real browser: no axe violations on a search
with results, a person's page (after an action, with its banner), and the audit log with filters and an
error."""

from __future__ import annotations

import pytest

from literacy import audit
from literacy.extensions import db
from literacy.models import Membership, Organisation, User

from .conftest import assert_no_axe_violations

EMAIL = "root@example.org"
PASSWORD = "correct horse battery"


@pytest.fixture
def signed_in(page, live_server):
    with live_server.app.app_context():
        admin = User(email=EMAIL, name="Rhian Root", is_site_admin=True)
        admin.set_password(PASSWORD)
        organisation = Organisation(slug="org-a", name="Agency A")
        sam = User(email="sam@example.org", name="Sam Jones")
        sam.set_password(PASSWORD)
        db.session.add_all([admin, organisation, sam])
        db.session.flush()
        db.session.add(Membership(user_id=sam.id, organisation_id=organisation.id, role="manager"))
        audit.record(admin, organisation, "organisation.roles_changed", sam, email=sam.email, roles=["manager"])
        db.session.commit()
    page.goto("/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).last.click()
    return page


def test_a_people_search_with_results_and_a_person_page(signed_in):
    page = signed_in
    page.goto("/admin/people")
    page.locator("#q").fill("SAM")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Search").click()
    assert "q=SAM" in page.url and page.get_by_text("1 account matches").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Sam Jones").click()
    assert page.locator("h1").inner_text() == "Sam Jones"
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Deactivate account").click()
    assert "cannot sign in" in page.locator(".notification--success").inner_text()
    assert page.get_by_role("button", name="Reactivate account").is_visible()
    assert_no_axe_violations(page)


def test_the_audit_log_with_filters_and_a_bad_date(signed_in):
    page = signed_in
    page.goto("/admin/audit")
    page.select_option("#action", "organisation.roles_changed")
    page.locator("#actor").fill("root")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Filter").click()
    assert page.get_by_text("1 event matches").is_visible()
    assert page.locator("tbody th").inner_text() == "Roles changed"
    assert_no_axe_violations(page)
    page.locator("#from").fill("31/02/2026")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Filter").click()
    assert page.title().startswith("Error:")
    assert page.locator("#from").input_value() == "31/02/2026"
    assert_no_axe_violations(page)
