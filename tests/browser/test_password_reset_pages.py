"""The password reset pages in a real browser: found from the sign-in page, usable by keyboard, axe-clean
with and without errors; the people page's "Send a password reset link" button too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from literacy.auth import tokens
from literacy.extensions import db
from literacy.models import Membership, Organisation, User

from .conftest import assert_no_axe_violations


@pytest.fixture
def reset_token(live_server) -> str:
    """An account with an open reset link (the live server has no mail host, so the test makes the link)."""
    with live_server.app.app_context():
        user = User(email="forgetful@example.org", name="Fran Forgetful")
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.flush()
        token = tokens.issue(user, tokens.PASSWORD_RESET, user.email, timedelta(hours=1))
        db.session.commit()
        return token


def test_forgot_your_password_leads_to_the_request_and_its_confirmation(page):
    page.goto("/sign-in")
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Forgot your password?").click()
    assert page.locator("h1").inner_text() == "Reset your password"
    assert_no_axe_violations(page)
    page.locator("#email").fill("someone@example.org")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Check your email"
    assert page.get_by_text("If there is an account for someone@example.org, we are emailing a link").is_visible()
    assert_no_axe_violations(page)


def test_the_request_page_with_errors(page):
    page.goto("/password-reset")
    page.locator("#email").fill("not an address")
    with page.expect_navigation():
        page.get_by_role("button", name="Send reset link").click()
    assert page.title().startswith("Error:")
    assert page.locator("#email").input_value() == "not an address"
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert_no_axe_violations(page)


def test_choosing_a_new_password_with_errors_then_without(page, reset_token):
    page.goto(f"/password-reset/{reset_token}")
    assert page.locator("h1").inner_text() == "Choose a new password"
    assert_no_axe_violations(page)
    page.locator("#password").fill("short")
    page.locator("#confirm").fill("different")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    assert page.title().startswith("Error:")
    assert page.locator(".error-summary a[href='#password']").is_visible()
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert_no_axe_violations(page)
    page.locator("#password").fill("a fresh long passphrase")
    page.locator("#confirm").fill("a fresh long passphrase")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Your password has been changed").is_visible()
    assert page.get_by_text("Signed in as Fran Forgetful").is_visible()
    page.goto(f"/password-reset/{reset_token}")
    assert page.locator("h1").inner_text() == "This password reset link does not work"
    assert_no_axe_violations(page)


def test_the_people_page_with_its_reset_buttons(page, live_server):
    with live_server.app.app_context():
        org = Organisation(slug="org-a", name="Organisation A")
        db.session.add(org)
        for email, name, role in (("admin@a.example", "Ada Admin", "org_admin"), ("lee@a.example", "Lee", "learner")):
            person = User(email=email, name=name)
            person.set_password("correct horse battery")
            db.session.add(person)
            db.session.flush()
            db.session.add(Membership(user_id=person.id, organisation_id=org.id, role=role))
        db.session.commit()
    page.goto("/sign-in")
    page.fill("#email", "admin@a.example")
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()
    page.goto("/organisations/org-a/people")
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send a password reset link – Lee").click()
    assert page.get_by_text("A password reset link is being emailed to lee@a.example").is_visible()
    assert_no_axe_violations(page)
