"""The account pages in a real browser: no axe violations on the summary, a change page and its errors."""

from __future__ import annotations

import pytest

from literacy.extensions import db
from literacy.models import User

from .conftest import assert_no_axe_violations

EMAIL = "account@example.org"
PASSWORD = "correct horse battery"


@pytest.fixture
def signed_in(page, live_server):
    with live_server.app.app_context():
        user = User(email=EMAIL, name="Alex Account")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    page.goto("/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).last.click()
    return page


def test_the_account_page_has_no_axe_violations(signed_in):
    page = signed_in
    with page.expect_navigation():
        page.locator("header").get_by_role("link", name="Your account").click()
    assert page.locator("h1").inner_text() == "Your account"
    assert page.get_by_text("Not verified").is_visible()
    assert_no_axe_violations(page)


@pytest.mark.parametrize("path", ["/account/name", "/account/email", "/account/password", "/account/language"])
def test_the_change_pages_have_no_axe_violations(signed_in, path):
    page = signed_in
    page.goto(path)
    assert page.title().endswith("AI literacy") and page.locator("h1").count() == 1
    assert_no_axe_violations(page)


@pytest.mark.parametrize("path", ["/account/name", "/account/email", "/account/password"])
def test_the_change_pages_errors_have_no_axe_violations(signed_in, path):
    page = signed_in
    page.goto(path)
    for field in page.locator("main input.input").all():
        field.fill("")
    with page.expect_navigation():
        page.locator("main").get_by_role("button").first.click()
    assert page.title().startswith("Error:")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert_no_axe_violations(page)


def test_changing_the_name_by_keyboard_shows_a_success_banner(signed_in):
    page = signed_in
    page.goto("/account")
    page.get_by_role("link", name="Change your name").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.locator("#name").fill("Alex Renamed")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".notification--success").inner_text().endswith("Your name has been changed.")
    assert page.get_by_text("Signed in as Alex Renamed").is_visible()
    assert_no_axe_violations(page)
