"""An organisation's reminder settings in a real browser: the form as it opens, saved, and with problems
(the error summary takes focus, what was typed is kept), with no axe violations."""

from __future__ import annotations

import pytest

from literacy.extensions import db
from literacy.models import Membership, Organisation, User

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
        db.session.commit()
    page.goto("/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).last.click()
    return page


def test_the_settings_page_saved_and_with_problems_has_no_axe_violations(signed_in):
    page = signed_in
    page.goto("/organisations/org-a/")
    with page.expect_navigation():
        page.get_by_role("link", name="Reminder settings").click()
    assert page.locator("h1").inner_text() == "Reminder settings"
    assert page.input_value("#days_before") == "7, 1"
    assert page.is_checked("#overdue_reminders")
    assert_no_axe_violations(page)

    page.fill("#days_before", "14, 2")
    page.uncheck("#overdue_reminders")
    page.fill("#expiry_notice_days", "45")
    with page.expect_navigation():
        page.get_by_role("button", name="Save reminder settings").click()
    assert page.get_by_text("Reminder settings saved").is_visible()
    assert page.input_value("#days_before") == "14, 2" and not page.is_checked("#overdue_reminders")
    assert_no_axe_violations(page)

    page.fill("#days_before", "90, seven")
    page.fill("#expiry_notice_days", "500")
    with page.expect_navigation():
        page.get_by_role("button", name="Save reminder settings").click()
    assert page.title().startswith("Error:")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert page.input_value("#days_before") == "90, seven" and page.input_value("#expiry_notice_days") == "500"
    summary = page.locator(".error-summary").inner_text()
    assert "Enter whole numbers of days separated by commas" in summary and "between 1 and 180" in summary
    assert_no_axe_violations(page)
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "days_before"
