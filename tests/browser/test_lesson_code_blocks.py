"""Lessons with code blocks (prompts quoted in Generative AI at work): a code block never runs past its column,
so there is nothing that only a mouse could scroll (axe's scrollable-region-focusable), at 375 px and on a
desktop; the page itself does not scroll sideways on a phone. The rule is CSS, so it holds for versions
published before it too (their HTML is stored as rendered then)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import Lesson, Module, User
from literacy.publishing import sync_courses

from .conftest import assert_no_axe_violations

MODULE = "generative-ai-at-work"


@pytest.fixture
def lessons(live_server):
    with live_server.app.app_context():
        report = sync_courses(Path(live_server.app.config["COURSES_DIR"]))
        assert not report.problems, report.problems
        user = User(email="reader@example.org", name="Rhys Reader")
        user.set_password("correct horse battery")
        db.session.add(user)
        db.session.commit()
        module = db.session.scalar(select(Module).where(Module.slug == MODULE))
        rows = db.session.execute(
            select(Lesson.slug, Lesson.html).where(Lesson.version_id == module.current_version_id)
        ).all()
        with_code = [slug for slug, html in rows if "<pre" in html]
        assert len(with_code) >= 2, "the module should still have lessons with code blocks"
        return with_code


def sign_in(page) -> None:
    page.goto("/sign-in")
    page.fill("#email", "reader@example.org")
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 740}, {"width": 1280, "height": 900}])
def test_code_blocks_fit_their_column(page, lessons, viewport):
    sign_in(page)
    page.set_viewport_size(viewport)
    for lesson in lessons:
        page.goto(f"/modules/{MODULE}/{lesson}")
        overflowing = page.evaluate(
            "() => [...document.querySelectorAll('main pre')].filter(pre => pre.scrollWidth > pre.clientWidth)"
            ".map(pre => pre.textContent.slice(0, 60))"
        )
        assert page.locator("main pre").count() > 0
        assert overflowing == [], f"{lesson}: {overflowing}"
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], lesson
        assert_no_axe_violations(page)
