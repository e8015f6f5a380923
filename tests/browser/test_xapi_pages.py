"""An organisation's LRS (xAPI) page in a real browser: as it opens, saved, with problems (the error summary
takes focus, what was typed is kept), in Welsh, and the list of statements, each with no axe violations."""

from __future__ import annotations

import pytest

from literacy.extensions import db
from literacy.models import Membership, Organisation, User, XapiStatement

from .conftest import assert_no_axe_violations

EMAIL = "ada@a.example"
PASSWORD = "correct horse battery"


@pytest.fixture
def signed_in(page, live_server):
    with live_server.app.app_context():
        admin = User(email=EMAIL, name="Ada Admin")
        admin.set_password(PASSWORD)
        organisation = Organisation(slug="org-a", name="Organisation A")
        db.session.add_all([admin, organisation])
        db.session.flush()
        db.session.add(Membership(user_id=admin.id, organisation_id=organisation.id, role="org_admin"))
        db.session.add(XapiStatement(
            organisation_id=organisation.id, statement_id="7c1a4b38-6a4f-5d0e-9d1e-0c7c3c1b2a11", kind="completed",
            statement={"object": {"id": "https://learning.example.gov.uk/modules/m/lesson-1"}}, status="failed",
            attempts=8, last_error="the LRS answered 503: down for maintenance",
        ))
        db.session.commit()
    page.goto("/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).last.click()
    return page


def test_the_lrs_page_saved_with_problems_and_in_welsh_has_no_axe_violations(signed_in):
    page = signed_in
    page.goto("/organisations/org-a/")
    with page.expect_navigation():
        page.get_by_role("link", name="Learning record store (xAPI)").click()
    assert page.locator("h1").inner_text() == "Learning record store (xAPI)"
    assert page.is_checked("#kinds-experienced") and page.is_checked("#actor-account")
    assert "the LRS answered 503" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    page.fill("#endpoint", "http://lrs.example.gov.uk/xAPI")
    page.fill("#username_env", "LITERACY_SECRET_KEY")
    for kind in ("experienced", "completed", "answered", "passed", "failed"):
        page.uncheck(f"#kinds-{kind}")
    with page.expect_navigation():
        page.get_by_role("button", name="Save LRS settings").click()
    assert page.title().startswith("Error:")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    summary = page.locator(".error-summary").inner_text()
    assert "Use an https:// address" in summary and "Select at least one kind of statement" in summary
    assert page.input_value("#endpoint") == "http://lrs.example.gov.uk/xAPI"
    assert page.input_value("#username_env") == "LITERACY_SECRET_KEY"
    assert_no_axe_violations(page)
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "endpoint"

    page.fill("#endpoint", "https://lrs.example.gov.uk/xAPI")
    page.fill("#username_env", "LITERACY_XAPI_USER")
    page.fill("#password_env", "LITERACY_XAPI_PASSWORD")
    page.check("#kinds-completed")
    page.check("#actor-mbox")
    with page.expect_navigation():
        page.get_by_role("button", name="Save LRS settings").click()
    assert page.get_by_text("LRS settings saved").is_visible()
    assert page.is_checked("#actor-mbox") and not page.is_checked("#kinds-experienced")
    assert "LITERACY_XAPI_PASSWORD" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    with page.expect_navigation():
        page.get_by_role("link", name="See every statement").click()
    assert page.locator("h1").inner_text() == "Statements sent to the LRS"
    assert page.get_by_role("region", name="Statements, newest first").is_visible()
    assert_no_axe_violations(page)

    page.goto("/organisations/org-a/xapi")
    with page.expect_navigation():
        page.get_by_role("button", name="Cymraeg").click()
    assert page.locator("h1").inner_text() == "Storfa cofnodion dysgu (xAPI)"
    assert page.locator("html").get_attribute("lang") == "cy"
    assert_no_axe_violations(page)
