"""Issue 18, items 5 and 8 in a real browser, in English and in Welsh (through the language switch), on a desktop
and on a 375 px phone: the organisation overview (figures shown, and a small organisation whose figures are
all hidden, saying why), the cohort dashboard and cohort page (charts saying what their bars count, a long
title never cut, a module's Welsh title, an English-only one marked lang="en"), the trainers' question
statistics, a quiz result's caption and the certificate. axe runs with the WCAG 2.2 tags, target size
included, and no page scrolls sideways."""

from __future__ import annotations

from datetime import date

import pytest

from literacy.extensions import db
from literacy.models import Membership, Organisation, User

from ..cohorts_support import attempt, complete, make_cohort, make_module, make_people, visit
from ..test_readable_dashboards import LONG, long_title, welsh_title
from .conftest import assert_no_axe_violations
from .test_quiz_feedback_pages import RIGHT_LABELS, click, fits, seed_quiz_site, sign_in, take

PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


@pytest.fixture
def programme(live_server):
    """org-a: eight people in a cohort with progress on a module with a Welsh title and one with a long
    English-only title; org-b: two people, so every figure of its overview is hidden."""
    with live_server.app.app_context():
        boss = User(email="boss@a.example", name="Bryn Boss")
        boss.set_password(PASSWORD)
        db.session.add(boss)
        orgs = [Organisation(slug="org-a", name="Organisation A"), Organisation(slug="org-b", name="Organisation B")]
        db.session.add_all(orgs)
        db.session.flush()
        db.session.add_all([Membership(user_id=boss.id, organisation_id=org.id, role="org_admin") for org in orgs])
        db.session.commit()
        people = make_people(orgs[0], 8)
        basics = make_module("basics")
        welsh_title(basics, "Hanfodion y pethau")
        law = make_module("law", questions=2)
        long_title(law)
        cohort = make_cohort(orgs[0], "Autumn", people, [(basics, date(2026, 11, 20)), (law, None)])
        for number, person in enumerate(people[:6]):
            visit(person, basics)
            attempt(person, basics, {"q1": "b", "q2": "ab"[number % 2], "q3": "cb"[number % 3 == 0]})
            complete(person, basics, percent=60 + number * 5)
            attempt(person, law, {"q1": "b", "q2": "ab"[number % 2]})
        make_cohort(orgs[1], "Tiny", make_people(orgs[1], 2, "small"), [(basics, None)])
        db.session.commit()
        return {"cohort": cohort.id}


def to_welsh(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Cymraeg").click()
    assert page.locator("html").get_attribute("lang") == "cy"


def check(page, width: int) -> None:
    assert page.locator("h1").count() == 1, page.url
    assert_no_axe_violations(page)
    fits(page, width)


@VIEWPORTS
def test_the_managers_pages_in_english_and_welsh(page, programme, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, "boss@a.example")
    dashboard = f"/organisations/org-a/cohorts/{programme['cohort']}/dashboard"
    pages = ["/organisations/org-a/", "/organisations/org-b/", dashboard, dashboard.removesuffix("/dashboard")]
    for path in pages:
        page.goto(path)
        check(page, viewport["width"])
    page.goto(dashboard)
    counts = page.locator("figcaption .chart__counts")
    assert counts.first.is_visible() and counts.first.inner_text().startswith("Each bar is the number of")
    label = page.locator("text.chart__label", has_text="Using generative")
    assert " ".join(label.locator("tspan").all_text_contents()) == LONG  # wrapped, never cut
    box, chart = label.bounding_box(), label.locator("xpath=ancestor::*[local-name()='svg']").bounding_box()
    assert box["x"] >= chart["x"] - 1 and box["x"] + box["width"] <= chart["x"] + chart["width"] + 1  # inside
    assert "Share who got it right" in page.locator("main").inner_text()
    page.goto("/organisations/org-b/")
    assert page.get_by_text("Every figure here is hidden").is_visible()

    to_welsh(page)
    for path in pages:
        page.goto(path)
        check(page, viewport["width"])
    page.goto(dashboard)
    main = page.locator("main")
    assert "Hanfodion y pethau" in main.inner_text() and "Title of basics" not in main.inner_text()
    assert page.locator(f'main th span[lang="en"]:text-is("{LONG}")').count() >= 1
    assert "Mae pob bar yn dangos" in page.locator("figcaption .chart__counts").first.inner_text()
    page.goto("/organisations/org-b/")
    assert page.get_by_text("Mae pob ffigur yma wedi’i guddio").is_visible()


@pytest.fixture
def quiz_site(live_server, tmp_path):
    seed_quiz_site(live_server, tmp_path, welsh=True)
    return live_server


@VIEWPORTS
def test_the_result_certificate_and_statistics_in_english_and_welsh(browser, page, quiz_site, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, "quizzer@example.org")
    for number in (1, 2):
        page.goto(f"/modules/quiz-module/lesson-{number}")
        click(page, "Mark as complete")
    take(page, RIGHT_LABELS, viewport, check=False)
    result = page.url
    assert page.locator(".caption-l").first.inner_text() == "Quiz module quiz-module"
    check(page, viewport["width"])
    with page.expect_navigation():
        page.locator(".panel").get_by_role("link", name="View your certificate").click()
    certificate = page.url
    assert page.locator(".certificate__module").inner_text() == "Quiz module quiz-module"
    check(page, viewport["width"])

    to_welsh(page)
    for path, where in ((result, ".caption-l"), (certificate, ".certificate__module")):
        page.goto(path)
        shown = page.locator(where).first
        assert shown.inner_text() == "Modiwl prawf quiz-module", path
        assert shown.get_attribute("lang") in (None, "cy"), path
        check(page, viewport["width"])

    trainer = browser.new_context(base_url=quiz_site.url, locale="en-GB", viewport=viewport).new_page()
    sign_in(trainer, "trainer@example.org")
    trainer.goto("/author/")
    with trainer.expect_navigation():
        trainer.get_by_role("link", name="Question statistics of Quiz module quiz-module").click()
    main = trainer.locator("main").inner_text()
    assert "Share who got it right" in main and "(facility)" in main and "Question 1" in main
    check(trainer, viewport["width"])
    to_welsh(trainer)
    assert trainer.locator(".caption-l").first.inner_text() == "Modiwl prawf quiz-module"
    assert trainer.locator('.prose[lang="en"]').count() >= 1  # the English-only questions, marked
    check(trainer, viewport["width"])
    trainer.context.close()
