"""Learner pages in a real browser, with the real curriculum: axe-clean, and usable without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import Lesson, Module, User
from literacy.publishing import sync_courses

from .conftest import assert_no_axe_violations


@pytest.fixture
def curriculum(live_server):
    with live_server.app.app_context():
        report = sync_courses(Path(live_server.app.config["COURSES_DIR"]))
        assert not report.problems, report.problems
        user = User(email="reader@example.org", name="Rhys Reader")
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.commit()
        first_lessons = {}
        for module in db.session.scalars(select(Module)):
            first_lessons[module.slug] = db.session.scalar(
                select(Lesson.slug).where(Lesson.version_id == module.current_version_id).order_by(Lesson.position)
            )
        return first_lessons


def sign_in(page) -> None:
    page.goto("/sign-in")
    page.fill("#email", "reader@example.org")
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def test_catalogue_modules_and_lessons_have_no_axe_violations(page, curriculum):
    page.goto("/modules")
    assert_no_axe_violations(page)
    page.goto("/glossary")
    assert_no_axe_violations(page)
    sign_in(page)
    for module, lesson in curriculum.items():
        page.goto(f"/modules/{module}")
        assert_no_axe_violations(page)
        page.goto(f"/modules/{module}/{lesson}")
        assert_no_axe_violations(page)


def test_knowledge_check_feedback_has_no_axe_violations(page, curriculum):
    sign_in(page)
    page.goto(f"/modules/procuring-ai/{curriculum['procuring-ai']}")
    check = page.locator("div.knowledge-check").first
    check.locator("input[name=answer]").nth(1).check()
    with page.expect_navigation():
        check.get_by_role("button", name="Check my answer").click()
    assert page.locator(".check-feedback").is_visible()
    assert_no_axe_violations(page)


def test_welsh_lessons_have_no_axe_violations(page, curriculum):
    sign_in(page)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="Cymraeg").click()
    page.goto("/modules/ai-basics")
    assert_no_axe_violations(page)
    page.goto(f"/modules/ai-basics/{curriculum['ai-basics']}")
    assert page.locator(".lesson").get_attribute("lang") == "cy"
    assert_no_axe_violations(page)
    page.goto(f"/modules/managing-bias/{curriculum['managing-bias']}")  # every module is in Welsh now
    assert page.locator(".lesson").get_attribute("lang") == "cy"
    assert_no_axe_violations(page)


def test_swedish_lessons_and_an_english_fallback_have_no_axe_violations(page, curriculum):
    sign_in(page)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="Svenska").click()
    assert page.locator("html").get_attribute("lang") == "sv"
    page.goto("/modules")
    assert_no_axe_violations(page)
    page.goto(f"/modules/ai-basics/{curriculum['ai-basics']}")
    assert page.locator(".lesson").get_attribute("lang") == "sv"
    assert_no_axe_violations(page)
    page.goto(f"/modules/managing-bias/{curriculum['managing-bias']}")  # no Swedish: English, with a note
    assert page.locator(".lesson").get_attribute("lang") == "en"
    assert_no_axe_violations(page)


def test_a_knowledge_check_and_completing_a_lesson_work_without_javascript(browser, live_server, curriculum):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page)
        page.goto(f"/modules/ai-basics/{curriculum['ai-basics']}")
        check = page.locator("div.knowledge-check").first
        check.locator("input[name=answer]").first.check()
        with page.expect_navigation():
            check.get_by_role("button", name="Check my answer").click()
        feedback = page.locator(".check-feedback")
        assert feedback.count() == 1 and feedback.is_visible()  # (axe itself needs JavaScript: see below)
        with page.expect_navigation():
            page.get_by_role("button", name="Mark as complete and continue").click()
        assert page.url.endswith("/modules/ai-basics/rules-and-learning") or "/modules/ai-basics/" in page.url
        page.goto("/modules/ai-basics")
        assert page.get_by_role("button", name="Continue").count() + page.get_by_role("link", name="Continue").count()
    finally:
        context.close()
