"""The printable certificate: it names who issued it and the edition in plain words, prints on exactly one A4
page without the site's header, navigation or footer (counted in the PDF Chromium makes), in English and
Welsh, and has no axe violations on a desktop or a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.learning import certificates
from literacy.models import Certificate, ModuleVersion, Organisation, User

from ..cohorts_support import complete, make_module
from .conftest import assert_no_axe_violations

PASSWORD = "correct horse battery"
A4_POINTS = (595, 842)  # 210 x 297 mm


@pytest.fixture
def printable(live_server):
    """A long-named learner's certificate for a long-titled organisation module, in its second edition."""
    with live_server.app.app_context():
        org = Organisation(slug="dept", name="Department for Levelling Up, Housing, Communities and Local Government")
        db.session.add(org)
        db.session.flush()
        learner = User(email="ann@dept.example", name="Angharad Gwenllian Llewellyn-Fitzgerald-Montgomery ap Rhys")
        learner.set_password(PASSWORD)
        db.session.add(learner)
        module = make_module("safety", edition=2, organisation=org)
        version = db.session.get(ModuleVersion, module.current_version_id)
        version.texts = {"en": {"title": "Using generative AI safely and lawfully in public services: a practical "
                                          "introduction for teams that write, buy or run AI tools"}}
        version.published_at = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
        db.session.flush()
        certificates.issue(complete(learner, module, edition=2, percent=90))
        db.session.commit()
        return db.session.scalar(select(Certificate.code))


def sign_in(page) -> None:
    page.goto("/sign-in")
    page.fill("#email", "ann@dept.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def pdf_pages(page) -> list[tuple[float, float]]:
    """The size in points of every page of the PDF Chromium prints, at the size the page's CSS asks for."""
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    boxes = re.findall(rb"/Type\s*/Page\b(?!s).*?/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", pdf,
                       re.S)
    count = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert count == len(boxes) or not boxes, "every page should have its own size"
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes] or [(0, 0)] * count


def test_the_certificate_names_its_issuer_and_edition_and_prints_on_one_a4_page(page, printable):
    sign_in(page)
    page.goto(f"/my-learning/certificates/{printable}")
    article = page.locator("article.certificate").inner_text()
    assert "Issued by Department for Levelling Up, Housing, Communities and Local Government" in article
    assert "Edition 2, published 3 November 2026" in article
    assert "version 1" not in article.lower()
    assert_no_axe_violations(page)

    page.emulate_media(media="print")
    for hidden in [".site-header", ".site-nav", ".site-footer", ".no-print"]:
        assert not page.locator(hidden).first.is_visible(), hidden
    sizes = pdf_pages(page)
    assert len(sizes) == 1, f"{len(sizes)} pages"
    assert [round(side) for side in sizes[0]] == list(A4_POINTS)


def test_the_welsh_certificate_also_prints_on_one_page(page, printable):
    sign_in(page)
    page.goto(f"/my-learning/certificates/{printable}")
    with page.expect_navigation():
        page.get_by_role("button", name="Cymraeg").click()
    article = page.locator("article.certificate").inner_text()
    assert "Argraffiad 2, a gyhoeddwyd ar 3 Tachwedd 2026" in article
    assert "Cyhoeddwyd gan Department for Levelling Up" in article
    assert_no_axe_violations(page)
    page.emulate_media(media="print")
    assert len(pdf_pages(page)) == 1


def test_the_certificate_on_a_phone_has_no_axe_violations(page, printable):
    sign_in(page)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/my-learning/certificates/{printable}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_no_axe_violations(page)
    page.goto(f"/certificates/{printable}")
    assert "Department for Levelling Up" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_no_axe_violations(page)
