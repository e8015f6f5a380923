"""Issue 18, items 6 and 9 in a real browser, on a desktop and on a 375 px phone: a question page (caption, short
heading, scenario as text, 40 px radios and checkboxes), a failed result (the right answers, only the missed
questions' lessons), a passed result (one panel, "View your certificate"), a files module's question statistics
and the editor (long lines wrap inside the box). axe runs with the WCAG 2.2 tags, target size included."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from literacy.authoring import drafts
from literacy.extensions import db
from literacy.models import Membership, Organisation, User
from literacy.publishing import sync_courses

from ..quiz_support import write_quiz_module
from .conftest import assert_no_axe_violations

PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
RIGHT_LABELS = {1: ["Right one"], 2: ["First right", "Second right"], 3: ["False"]}
WRONG_LABELS = {1: ["Wrong one"], 2: ["First right", "Second right"], 3: ["True"]}  # pick-many right


def seed_quiz_site(live_server, tmp_path, *, welsh: bool = False) -> None:
    """A two-lesson quiz module, an organisation "council", a learner and a trainer of it (shared by the browser
    tests of quiz pages)."""
    write_quiz_module(tmp_path, "quiz-module", lessons=2, welsh=welsh)
    with live_server.app.app_context():
        report = sync_courses(tmp_path)
        assert not report.problems, report.problems
        organisation = Organisation(slug="council", name="Council")
        db.session.add(organisation)
        for email, name in (("quizzer@example.org", "Quinn Quizzer"), ("trainer@example.org", "Tess Trainer")):
            user = User(email=email, name=name)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.flush()
        trainer = db.session.scalar(select(User).where(User.email == "trainer@example.org"))
        db.session.add(Membership(user_id=trainer.id, organisation_id=organisation.id, role="trainer"))
        db.session.commit()


@pytest.fixture
def site(live_server, tmp_path):
    seed_quiz_site(live_server, tmp_path)
    with live_server.app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == "council"))
        trainer = db.session.scalar(select(User).where(User.email == "trainer@example.org"))
        files = drafts.starter_files("long-lines", "Long lines")
        files.text["notes.md"] = "A line " + "that goes on and on " * 30 + "and never stops.\n"
        drafts.create_draft(organisation, trainer, files, "long-lines")
        db.session.commit()
    return live_server


def sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def click(page, name: str) -> None:
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=name).click()


def fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def check_targets(page) -> None:
    """Every radio and checkbox is a target of at least 40 by 40 px."""
    boxes = page.locator("input[type=radio], input[type=checkbox]")
    assert boxes.count() > 0
    for index in range(boxes.count()):
        box = boxes.nth(index).bounding_box()
        assert box["width"] >= 40 and box["height"] >= 40, box


def take(page, labels: dict[int, list[str]], viewport: dict, *, check: bool) -> None:
    page.goto("/modules/quiz-module")
    with page.expect_navigation():
        page.get_by_role("link", name="Assessment").click()
    click(page, "Start the assessment")
    for number in range(1, 6):
        if check and number in (1, 2):
            legend = page.locator("legend")
            assert legend.locator(".caption-l").inner_text() == f"Question {number} of 5"
            heading = legend.locator("h1")
            if number == 2:  # the scenario is text under the short heading, not part of it
                assert heading.inner_text() == "Which are right in pick-many?"
                assert "The scenario of pick-many" in page.locator("#question-prompt").inner_text()
                assert page.locator("#question-prompt").evaluate("e => getComputedStyle(e).fontWeight") == "400"
            check_targets(page)
            assert_no_axe_violations(page)
            fits(page, viewport["width"])
        for label in labels.get(number, []):
            page.get_by_label(label, exact=True).check()
        if number == 4:
            page.get_by_label("Your answer").fill("ATRS" if labels is RIGHT_LABELS else "no idea")
        if number == 5:
            page.get_by_label("Your answer").fill("6" if labels is RIGHT_LABELS else "7")
        if page.locator("input[name=confidence]").count():
            page.get_by_label("Certain").check()
        click(page, "Save and continue")
    click(page, "Submit answers")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_question_and_result_pages(page, site, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, "quizzer@example.org")
    page.goto("/modules/quiz-module/lesson-1")
    click(page, "Mark as complete")
    page.goto("/modules/quiz-module/lesson-2")
    click(page, "Mark as complete")

    take(page, WRONG_LABELS, viewport, check=True)
    assert "You did not pass this time" in page.locator(".panel").inner_text()
    revisit = page.locator("main ul.list--bullet > li > a")  # only pick-one's lesson: pick-many was right
    assert [revisit.nth(i).get_attribute("href") for i in range(revisit.count())] == ["/modules/quiz-module/lesson-1"]
    assert page.locator(".quiz-result__right").count() == 4  # every wrong answer shows the right one
    assert "Right one" in page.locator("#question-1 .quiz-result__right").inner_text()
    assert_no_axe_violations(page)
    fits(page, viewport["width"])

    with page.expect_navigation():
        page.get_by_role("link", name="Try again").click()
    take(page, RIGHT_LABELS, viewport, check=False)
    assert page.locator(".panel").count() == 1 and page.locator(".notification").count() == 0
    button = page.locator(".panel").get_by_role("link", name="View your certificate")
    assert button.is_visible() and button.bounding_box()["height"] >= 24
    assert_no_axe_violations(page)
    fits(page, viewport["width"])
    with page.expect_navigation():
        button.click()
    assert "Quinn Quizzer" in page.locator(".certificate").inner_text()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_statistics_guide_and_editor_pages(page, site, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, "trainer@example.org")
    page.goto("/author/")
    with page.expect_navigation():
        page.get_by_role("link", name="Question statistics of Quiz module quiz-module").click()
    assert page.locator("h1").inner_text() == "Question statistics"
    assert "Which one is right for pick-one?" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    fits(page, viewport["width"])

    page.goto("/author/council/modules/long-lines/files/notes.md")
    source = page.locator("#source")
    assert source.evaluate("e => e.scrollWidth <= e.clientWidth")  # long lines wrap inside the box
    box = source.bounding_box()
    assert box["x"] + box["width"] <= viewport["width"]
    guide_link = page.get_by_role("link", name="Read the guide (opens in a new tab)")
    assert guide_link.get_attribute("href") == "/author/guide"
    assert_no_axe_violations(page)

    page.goto("/author/guide")
    assert page.locator("h1").inner_text() == "The guide for writing modules"
    assert_no_axe_violations(page)
    fits(page, viewport["width"])


def test_the_question_and_result_pages_in_welsh(page, site):
    page.set_viewport_size(DESKTOP)
    sign_in(page, "quizzer@example.org")
    for number in (1, 2):
        page.goto(f"/modules/quiz-module/lesson-{number}")
        click(page, "Mark as complete")
    take(page, WRONG_LABELS, DESKTOP, check=False)
    failed = page.url
    with page.expect_navigation():
        page.get_by_role("link", name="Try again").click()
    click(page, "Start the assessment")
    question = page.url.replace("/questions/1", "/questions/2")
    with page.expect_navigation():
        page.get_by_role("button", name="Cymraeg").click()
    assert page.locator("html").get_attribute("lang") == "cy"
    page.goto(question)
    assert page.locator("legend .caption-l").inner_text() == "Cwestiwn 2 o 5"
    assert_no_axe_violations(page)
    page.goto(failed)
    main = page.locator("main").inner_text()
    assert "Yr ateb cywir" in main and "Gwersi i edrych arnyn nhw eto" in main and "Darllenwch eto:" in main
    assert_no_axe_violations(page)
