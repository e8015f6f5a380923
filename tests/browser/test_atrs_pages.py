"""The ATRS record workshop in a real browser: axe-clean at desktop and 375 px (English and Welsh), no
sideways scrolling on a phone, and a draft started and a section saved without JavaScript."""

from __future__ import annotations

import pytest

from literacy.extensions import db
from literacy.models import Membership, Organisation, User
from literacy.practice.atrs import published, service

from .conftest import assert_no_axe_violations

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def workshop(live_server):
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
        start = published.find("camden-council-rentsense")
        record = service.create_record(
            org,
            trainer,
            "RentSense",
            answers=published.prefill(start, service.fieldmap.load()),
            started_from=start.link,
        )
        service.save_section(
            record, trainer, "summary", {**service.answers_of(record), "contact_email": "jane.smith@camden.gov.uk"}
        )
        return record.id


def sign_in(page) -> None:
    page.goto("/sign-in")
    page.fill("#email", "trainer@a.example")
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_workshop_pages_pass_axe(page, workshop, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page)
    pages = [
        "/organisations/org-a/atrs/",
        "/organisations/org-a/atrs/new",
        f"/organisations/org-a/atrs/{workshop}/",
        f"/organisations/org-a/atrs/{workshop}/summary",
        f"/organisations/org-a/atrs/{workshop}/deployment",
    ]
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


def test_a_section_with_a_problem_shows_the_summary_and_keeps_the_text(page, workshop):
    sign_in(page)
    page.goto(f"/organisations/org-a/atrs/{workshop}/summary")
    page.fill("#contact_email", "not an address")
    page.fill("#description", "Typed and kept.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()
    assert page.title().startswith("Error:")
    assert page.locator(".error-summary").is_visible()
    assert page.input_value("#description") == "Typed and kept."
    assert_no_axe_violations(page)
    page.fill("#contact_email", "rents-team@camden.gov.uk")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()
    assert page.url.endswith(f"/atrs/{workshop}/owner")
