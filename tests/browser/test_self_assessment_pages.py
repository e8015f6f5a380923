"""The team self-assessment in a real browser: the overview, a section form and the report pass axe in English
and Welsh (desktop and 375 px, no sideways scrolling), a section is answered without JavaScript, and the report
prints on A4 with each of the questionnaire's three parts on its own page (English, Welsh and Swedish)."""

from __future__ import annotations

import re

import pytest

from literacy.extensions import db
from literacy.models import Membership, Organisation, User
from literacy.practice.assessment import service

from .conftest import assert_no_axe_violations
from .test_certificate_print import A4_POINTS, pdf_pages

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def assessment(live_server):
    with live_server.app.app_context():
        org = Organisation(slug="org-a", name="Organisation A")
        db.session.add(org)
        db.session.flush()
        trainer = User(email="trainer@a.example", name="Tom Trainer")
        trainer.set_password("correct horse battery")
        db.session.add(trainer)
        db.session.flush()
        db.session.add(Membership(user_id=trainer.id, organisation_id=org.id, role="trainer"))
        db.session.commit()
        made = service.create_assessment(org, trainer, "Repairs triage", "Sorts repair requests by urgency.")
        form = service.questionnaire_of(made)
        service.save_answers(made, org, trainer, form.section("purpose"), {
            "goals": (0, "Fewer missed urgent repairs."), "decisions": (0, "decides"),
            "affected": (0, "public\nvulnerable"),
        })
        service.save_answers(made, org, trainer, form.section("design"), {"explainability": (0, "general")})
        service.save_answers(made, org, trainer, form.section("follow_up"), {"owner": (0, "Housing data team")})
        return made.id


def sign_in(page) -> None:
    page.goto("/sign-in")
    page.fill("#email", "trainer@a.example")
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_assessment_pages_pass_axe(page, assessment, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page)
    base = f"/organisations/org-a/assessments/{assessment}"
    pages = ["/organisations/org-a/assessments/", f"{base}/", f"{base}/sections/purpose", f"{base}/report",
             f"{base}/history", f"{base}/team"]
    for language in ("en", "cy"):
        if language == "cy":
            with page.expect_navigation():
                page.get_by_role("button", name="Cymraeg").click()
        for path in pages:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("h1").count() == 1, path
            assert_no_axe_violations(page)
            if viewport:
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path


def test_a_section_is_answered_without_javascript(browser, live_server, assessment):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page)
        page.goto(f"/organisations/org-a/assessments/{assessment}/sections/data")
        page.get_by_label("Yes, and it is documented").check()
        page.fill("#q-harm", "A missed gas leak.")
        with page.expect_navigation():
            page.get_by_role("button", name="Save and return to the overview").click()
        assert "Answers saved" in page.locator("main").inner_text()
        page.goto(f"/organisations/org-a/assessments/{assessment}/report")
        assert "A missed gas leak." in page.locator("main").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "cy", "sv"])
def test_the_report_prints_one_a4_page_per_part(page, assessment, language):
    sign_in(page)
    if language != "en":
        with page.expect_navigation():
            page.get_by_role("button", name={"cy": "Cymraeg", "sv": "Svenska"}[language]).click()
    assert page.locator("html").get_attribute("lang") == language
    page.goto(f"/organisations/org-a/assessments/{assessment}/report")
    text = page.locator("main").inner_text()
    if language == "sv":
        assert "Självskattning för ett team i ett AI-projekt" in text  # the questionnaire in Swedish
    assert "Sorts repair requests by urgency." in text and "Fewer missed urgent repairs." in text
    assert re.search(r"\b1\b", text)  # the questionnaire version
    page.emulate_media(media="print")
    for hidden in [".site-header", ".site-footer", ".no-print"]:
        assert not page.locator(hidden).first.is_visible(), hidden
    sizes = pdf_pages(page)
    assert len(sizes) == 3, f"{len(sizes)} pages"
    assert all([round(side) for side in size] == list(A4_POINTS) for size in sizes)
    tops = page.evaluate(
        "[...document.querySelectorAll('.assessment-report__part')].map(p => getComputedStyle(p).breakBefore)"
    )
    assert tops == ["auto", "page", "page"]


def test_a_conflict_shows_both_answers_and_passes_axe(page, live_server, assessment):
    sign_in(page)
    page.goto(f"/organisations/org-a/assessments/{assessment}/sections/purpose")
    with live_server.app.app_context():  # a colleague saves the same answer meanwhile
        from literacy.models import SelfAssessment

        made = db.session.get(SelfAssessment, assessment)
        org = db.session.get(Organisation, made.organisation_id)
        other = User(email="colleague@a.example", name="Cai Colleague")
        db.session.add(other)
        db.session.flush()
        db.session.add(Membership(user_id=other.id, organisation_id=org.id, role="learner"))
        db.session.commit()
        service.save_answers(made, org, other, service.questionnaire_of(made).section("purpose"),
                             {"goals": (1, "The colleague's goal.")})
    page.fill("#q-goals", "My own goal.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()
    main = page.locator("main").inner_text()
    assert "There is a problem" in main and "The colleague's goal." in main and "Cai Colleague" in main
    assert page.locator("#q-goals").input_value() == "My own goal."
    assert_no_axe_violations(page)
    page.get_by_label("Theirs, as saved").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()
    assert "/sections/data" in page.url


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_my_learning_leads_to_the_assessment_and_passes_axe(page, assessment, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page)  # the trainer started it, so is in its team
    for language, heading in (("en", "Your self-assessments"), ("cy", "Eich hunanasesiadau")):
        if language == "cy":
            with page.expect_navigation():
                page.get_by_role("button", name="Cymraeg").click()
        page.goto("/my-learning")
        assert page.get_by_role("heading", name=heading, level=2).is_visible()
        assert_no_axe_violations(page)
        if viewport:
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    with page.expect_navigation():
        page.locator("#assessments ~ ul").get_by_role("link", name="Repairs triage").click()
    assert page.url.endswith(f"/organisations/org-a/assessments/{assessment}/")
    assert "Repairs triage" in page.locator("h1").inner_text()
