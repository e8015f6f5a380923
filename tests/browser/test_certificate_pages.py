"""The certificate check in its three states (valid, expired, revoked), the revoke screen with and without an
error, and the renewal notices on the module page and the assessment's introduction: axe-clean in a real
browser, and the revoke form works without JavaScript."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.learning import certificates
from literacy.models import Certificate, LessonProgress, Module, ModuleCompletion, User, utcnow
from literacy.publishing import sync_courses

from ..quiz_support import write_quiz_module
from .conftest import assert_no_axe_violations

PASSWORD = "correct horse battery"


@pytest.fixture
def certificate_site(live_server, tmp_path):
    folder = write_quiz_module(tmp_path, "yearly", lessons=1, precheck=False)
    (folder / "module.yaml").write_text((folder / "module.yaml").read_text() + "valid_for: 12 months\n")
    with live_server.app.app_context():
        report = sync_courses(tmp_path)
        assert not report.problems, report.problems
        learner = User(email="holder@example.org", name="Hana Holder")
        admin = User(email="admin@example.org", name="Ada Admin", is_site_admin=True)
        for person in (learner, admin):
            person.set_password(PASSWORD)
        db.session.add_all([learner, admin])
        db.session.flush()
        module = db.session.scalar(select(Module).where(Module.slug == "yearly"))
        completed = utcnow() - timedelta(days=100)
        db.session.add(LessonProgress(user_id=learner.id, module_id=module.id, lesson_slug="lesson-1",
                                      version_id=module.current_version_id, started_at=completed,
                                      completed_at=completed))
        completion = ModuleCompletion(user_id=learner.id, module_id=module.id, version_id=module.current_version_id,
                                      edition=1, language="en", completed_at=completed, percent=100)
        db.session.add(completion)
        db.session.flush()
        certificates.issue(completion)
        db.session.commit()
    return live_server


def code_of(site) -> str:
    with site.app.app_context():
        return db.session.scalar(select(Certificate.code))


def set_valid_until(site, days_from_now: int) -> None:
    with site.app.app_context():
        certificate = db.session.scalar(select(Certificate))
        certificate.valid_until = utcnow() + timedelta(days=days_from_now)
        db.session.commit()


def sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def test_the_check_page_in_each_state_has_no_axe_violations(page, certificate_site):
    code = code_of(certificate_site)
    page.goto(f"/certificates/{code}")
    assert "This certificate is genuine" in page.locator("h1").inner_text()
    assert "Valid until" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    set_valid_until(certificate_site, -3)
    page.goto(f"/certificates/{code}")
    assert "This certificate has expired" in page.locator("h1").inner_text()
    assert "Expired on" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    with certificate_site.app.app_context():
        certificates.revoke(code, None, "Issued in error")
        db.session.commit()
    page.goto(f"/certificates/{code}")
    assert "This certificate has been revoked" in page.locator("h1").inner_text()
    assert "Issued in error" in page.locator("main").inner_text()
    assert_no_axe_violations(page)


def test_the_revoke_screen_with_its_error_has_no_axe_violations(page, certificate_site):
    code = code_of(certificate_site)
    sign_in(page, "admin@example.org")
    page.goto(f"/certificates/{code}")
    with page.expect_navigation():
        page.get_by_role("link", name="Revoke this certificate").click()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke certificate").click()
    assert page.title().startswith("Error:")
    assert "Enter the reason for revoking this certificate" in page.locator(".error-summary").inner_text()
    assert_no_axe_violations(page)
    page.get_by_label("Reason for revoking").fill("Completed on another account")
    with page.expect_navigation():
        page.get_by_role("button", name="Revoke certificate").click()
    assert "This certificate has been revoked" in page.locator("h1").inner_text()
    assert "Completed on another account" in page.locator("main").inner_text()
    assert_no_axe_violations(page)


def test_the_revoke_form_works_without_javascript(browser, certificate_site):
    context = browser.new_context(base_url=certificate_site.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, "admin@example.org")
        page.goto(f"/certificates/{code_of(certificate_site)}/revoke")
        page.get_by_label("Reason for revoking").fill("Withdrawn")
        with page.expect_navigation():
            page.get_by_role("button", name="Revoke certificate").click()
        assert "This certificate has been revoked" in page.locator("h1").inner_text()
    finally:
        context.close()


def test_the_renewal_notices_have_no_axe_violations(page, certificate_site):
    set_valid_until(certificate_site, -1)
    sign_in(page, "holder@example.org")
    page.goto("/modules/yearly")
    assert "Retake the assessment to renew your certificate." in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    page.goto("/modules/yearly/quiz")
    assert "Renewal due" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
