"""The first pages in a real browser: no axe violations, and signing in and out by keyboard."""

from __future__ import annotations

import pytest

from literacy.extensions import db
from literacy.models import User

from .conftest import assert_no_axe_violations


@pytest.fixture
def person(live_server):
    with live_server.app.app_context():
        user = User(email="keyboard@example.org", name="Kim Keyboard")
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.commit()


@pytest.mark.parametrize("path", ["/", "/sign-in", "/accessibility", "/no-such-page"])
def test_pages_have_no_axe_violations(page, path):
    page.goto(path)
    assert_no_axe_violations(page)


def test_welsh_pages_have_no_axe_violations(page):
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="Cymraeg").click()
    assert page.locator("html").get_attribute("lang") == "cy"
    assert_no_axe_violations(page)
    page.goto("/sign-in")
    assert_no_axe_violations(page)


def test_sign_in_errors_have_no_axe_violations(page):
    page.goto("/sign-in")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).last.click()
    assert page.locator(".error-summary").is_visible()
    assert page.title().startswith("Error:")
    # site.js moves focus to the summary once the page has loaded
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert_no_axe_violations(page)


def test_sign_in_and_out_by_keyboard(page, person):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    page.goto("/sign-in")
    page.locator("#email").focus()
    page.keyboard.type("keyboard@example.org")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type("correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Signed in as Kim Keyboard").is_visible()
    assert_no_axe_violations(page)
    sign_out = page.locator("header").get_by_role("button", name="Sign out")
    sign_out.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("You are signed out.").is_visible()
    assert page.locator("header").get_by_role("link", name="Sign in").is_visible()
