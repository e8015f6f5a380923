"""Authoring in a real browser: a trainer writes a small module with a quiz, previews it, fixes what the
checker finds and publishes it; a learner of the organisation takes it. axe checks every editor page."""

from __future__ import annotations

import pytest

from literacy.extensions import db
from literacy.models import Membership, Organisation, User

from .conftest import assert_no_axe_violations

BROKEN_QUIZ = """---
title: Phishing check
---

::: question spot-it
type: single

Which of these is the surest sign of a phishing email?

- [ ] It has a logo
  > Anyone can copy a logo.
- [ ] It is short
  > Short emails are often genuine.
:::
"""
FIXED_QUIZ = BROKEN_QUIZ.replace("- [ ] It has a logo", "- [x] It asks you to act urgently on a link{#urgent}\n  > Right: urgency is the oldest trick.\n- [ ] It has a logo")  # noqa: E501
LESSON = """---
title: Spotting phishing
minutes: 5
---

Phishing emails try to make you **act before you think**.

## What to look for

- Urgent requests
- Links that do not go where they say
"""


@pytest.fixture
def people(live_server):
    with live_server.app.app_context():
        organisation = Organisation(slug="council", name="Council")
        db.session.add(organisation)
        db.session.flush()
        for email, name, role in (("trainer@example.org", "Tess Trainer", "trainer"),
                                  ("learner@example.org", "Lee Learner", "learner")):
            user = User(email=email, name=name)
            user.set_password("correct horse battery")
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
        db.session.commit()
    return live_server


def sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.fill("#email", email)
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def click(page, name: str) -> None:
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=name).click()


def edit(page, name: str, text: str, button: str, slug: str = "phishing-basics") -> None:
    page.goto(f"/author/council/modules/{slug}/files/{name}")
    page.fill("#source", text)
    click(page, button)


def test_a_trainer_writes_previews_fixes_and_publishes_and_a_learner_takes_it(page, browser, people):
    sign_in(page, "trainer@example.org")
    with page.expect_navigation():
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Authoring").click()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Create a module").click()
    click(page, "Create module")  # nothing filled in: an error first
    assert page.title().startswith("Error:")
    assert_no_axe_violations(page)
    page.fill("#title", "Phishing basics")
    page.fill("#slug", "phishing-basics")
    click(page, "Create module")
    assert page.locator("h1").inner_text() == "Phishing basics"
    assert_no_axe_violations(page)

    edit(page, "introduction.md", LESSON, "Preview")
    assert page.locator("#preview strong").inner_text() == "act before you think"
    assert_no_axe_violations(page)
    click(page, "Save draft")
    assert "Draft saved" in page.locator(".notification").inner_text()

    edit(page, "quiz.md", BROKEN_QUIZ, "Preview")
    assert page.title().startswith("Error:")
    summary = page.locator(".error-summary")
    assert "quiz.md, line 5" in summary.inner_text() and "::: question spot-it" in summary.inner_text()
    assert_no_axe_violations(page)
    # With JavaScript the preview follows the typing.
    page.fill("#source", FIXED_QUIZ)
    page.locator("#preview").get_by_text("It asks you to act urgently on a link").wait_for()
    page.locator("#problems .error-summary").wait_for(state="detached")
    assert_no_axe_violations(page)
    click(page, "Save draft")
    assert not page.title().startswith("Error:")

    page.goto("/author/council/modules/phishing-basics")
    click(page, "Publish version 1")
    assert "Version 1 published" in page.locator(".notification").inner_text()
    assert_no_axe_violations(page)
    page.goto("/author/council/modules/phishing-basics/import-gift")
    assert_no_axe_violations(page)

    # The learner of the organisation takes it.
    context = browser.new_context(base_url=people.url, locale="en-GB")
    learner = context.new_page()
    learner.set_default_timeout(10_000)
    try:
        sign_in(learner, "learner@example.org")
        learner.goto("/modules/phishing-basics")
        with learner.expect_navigation():
            learner.get_by_role("link", name="Spotting phishing").click()
        assert "act before you think" in learner.locator(".lesson").inner_text()
        click(learner, "Mark as complete")
        learner.goto("/modules/phishing-basics")
        with learner.expect_navigation():
            learner.get_by_role("link", name="Assessment").click()
        click(learner, "Start the assessment")
        learner.get_by_label("It asks you to act urgently on a link").check()
        click(learner, "Save and continue")
        click(learner, "Submit answers")
        assert "You passed" in learner.locator(".panel").inner_text()
    finally:
        context.close()

    # The trainer improves the module: a second version, the history compared, the statistics read.
    edit(page, "introduction.md", LESSON.replace("Urgent requests", "Urgent requests and threats"), "Save draft")
    page.goto("/author/council/modules/phishing-basics")
    click(page, "Publish version 2")
    page.goto("/author/council/modules/phishing-basics/versions/compare?from=1&to=2")
    assert "Urgent requests and threats" in page.locator("ins").first.inner_text()
    assert_no_axe_violations(page)
    page.goto("/author/council/modules/phishing-basics/statistics")
    assert "100%" in page.locator("main").inner_text()
    assert_no_axe_violations(page)


def test_the_editor_on_a_small_screen_uses_tabs(page, people):
    sign_in(page, "trainer@example.org")
    page.goto("/author/council/new")
    page.fill("#title", "Small screens")
    page.fill("#slug", "small-screens")
    click(page, "Create module")
    page.set_viewport_size({"width": 400, "height": 800})
    page.goto("/author/council/modules/small-screens/files/introduction.md")
    tabs = page.get_by_role("tab")
    assert tabs.count() == 2
    assert page.locator("#source").is_visible() and not page.locator("#preview").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("tab", name="Preview").click()
    assert page.locator("#preview").is_visible() and not page.locator("#source").is_visible()
    assert_no_axe_violations(page)


def test_the_editor_works_without_javascript(browser, people):
    context = browser.new_context(base_url=people.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, "trainer@example.org")
        page.goto("/author/council/new")
        page.fill("#title", "No script")
        page.fill("#slug", "no-script")
        click(page, "Create module")
        edit(page, "introduction.md", LESSON, "Preview", slug="no-script")
        assert page.locator("#preview strong").inner_text() == "act before you think"
        click(page, "Save draft")
        page.goto("/author/council/modules/no-script")
        click(page, "Publish version 1")
        assert "Version 1 published" in page.locator(".notification").inner_text()
    finally:
        context.close()
