"""The assessment, My learning and certificates in a real browser: axe-clean at every step, usable
without JavaScript, and the certificate prints on one A4 page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import Certificate, Cohort, CohortAssignment, CohortMember, Module, Organisation, User
from literacy.publishing import sync_courses

from ..quiz_support import write_quiz_module
from .conftest import assert_no_axe_violations

LABELS = {
    "pick-one": ["Right one"],
    "pick-many": ["First right", "Second right"],
    "yes-no": ["False"],
}


@pytest.fixture
def quiz_site(live_server, tmp_path):
    write_quiz_module(tmp_path, "quiz-module", lessons=1)
    with live_server.app.app_context():
        report = sync_courses(tmp_path)
        assert not report.problems, report.problems
        organisation = Organisation(slug="council", name="Council")
        user = User(email="quizzer@example.org", name="Quinn Quizzer")
        user.set_password("correct horse battery")
        db.session.add_all([organisation, user])
        db.session.flush()
        cohort = Cohort(organisation_id=organisation.id, name="Winter")
        db.session.add(cohort)
        db.session.flush()
        module = db.session.scalar(select(Module).where(Module.slug == "quiz-module"))
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
        db.session.add(CohortAssignment(cohort_id=cohort.id, module_id=module.id, due_on=None))
        db.session.commit()
    return live_server


def sign_in(page) -> None:
    page.goto("/sign-in")
    page.fill("#email", "quizzer@example.org")
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def click(page, name: str) -> None:
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=name).click()


def answer_question(page, check_axe: bool) -> None:
    heading = page.locator("h1").inner_text()
    key = re.search(r"pick-one|pick-many", heading)
    if key or "confident tone" in heading:
        labels = LABELS[key.group(0)] if key else LABELS["yes-no"]
        for label in labels:
            page.get_by_label(label, exact=True).check()
    elif "standard" in heading:
        page.get_by_label("Your answer").fill("ATRS")
    else:
        page.get_by_label("Your answer").fill("6")
    if page.locator("input[name=confidence]").count():
        page.get_by_label("Certain").check()
    if check_axe:
        assert_no_axe_violations(page)
    click(page, "Save and continue")


def take_the_assessment(page, check_axe: bool) -> None:
    page.goto("/modules/quiz-module/lesson-1")
    click(page, "Mark as complete")
    page.goto("/modules/quiz-module")
    with page.expect_navigation():
        page.get_by_role("link", name="Assessment").click()
    if check_axe:
        assert_no_axe_violations(page)
    click(page, "Start the assessment")
    # an error first: nothing chosen
    click(page, "Save and continue")
    assert page.title().startswith("Error:")
    assert page.locator(".error-summary").is_visible()
    if check_axe:
        assert_no_axe_violations(page)
    for number in range(1, 6):
        assert f"Question {number} of 5" in page.locator("legend, h1").first.inner_text()
        answer_question(page, check_axe and number in (1, 2, 4))
    assert page.locator("h1").inner_text() == "Check your answers"
    if check_axe:
        assert_no_axe_violations(page)
    click(page, "Submit answers")
    assert "You passed" in page.locator(".panel").inner_text()
    assert "You scored 5 out of 5 (100%)" in page.locator(".panel").inner_text()


def test_the_assessment_pages_have_no_axe_violations(page, quiz_site):
    sign_in(page)
    page.goto("/modules/quiz-module/precheck")
    assert_no_axe_violations(page)
    take_the_assessment(page, check_axe=True)
    assert_no_axe_violations(page)  # the result page
    page.goto("/my-learning")
    assert page.locator("h1").inner_text() == "My learning"
    assert_no_axe_violations(page)
    page.goto("/")
    assert_no_axe_violations(page)


def test_the_certificate_prints_on_one_a4_page_and_verifies(page, quiz_site):
    sign_in(page)
    take_the_assessment(page, check_axe=False)
    with page.expect_navigation():
        page.get_by_role("link", name="View your certificate").click()
    assert "Quinn Quizzer" in page.locator(".certificate").inner_text()
    assert_no_axe_violations(page)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    page.emulate_media(media="screen")
    with quiz_site.app.app_context():
        code = db.session.scalar(select(Certificate.code))
    page.goto(f"/certificates/{code}")
    assert "This certificate is genuine" in page.locator("h1").inner_text()
    assert_no_axe_violations(page)
    page.goto("/certificates/unknown-code")
    assert_no_axe_violations(page)


def test_the_assessment_works_without_javascript(browser, quiz_site):
    context = browser.new_context(base_url=quiz_site.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page)
        take_the_assessment(page, check_axe=False)
    finally:
        context.close()
