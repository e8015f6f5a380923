"""The Open Badges 3.0 credential check: the certificate page links to the credential, the check page takes a
pasted credential or a file and says genuine or not valid, and its error summary keeps what was typed; each
state axe-clean, and the form works without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from joserfc.jwk import ECKey
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import Certificate

from .conftest import assert_no_axe_violations
from .test_certificate_pages import certificate_site as certificate_pages_site
from .test_certificate_pages import code_of

certificate_pages_site = certificate_pages_site  # the fixture, as it is (its name in this module)


@pytest.fixture
def certificate_site(certificate_pages_site):
    """The certificate pages' site with a signing key (the live server runs as production would)."""
    key = ECKey.generate_key("P-256", private=True)
    certificate_pages_site.app.config["CREDENTIAL_KEYS"] = key.as_pem(private=True).decode()
    return certificate_pages_site


def test_the_check_page_in_each_state_has_no_axe_violations(page, certificate_site, tmp_path: Path):
    code = code_of(certificate_site)
    page.goto(f"/certificates/{code}")
    assert_no_axe_violations(page)
    token = page.request.get(f"/certificates/{code}/credential.jwt").text()
    with page.expect_navigation():
        page.get_by_role("link", name="Check a digital credential").click()
    assert page.locator("h1").inner_text() == "Check a digital credential"
    assert_no_axe_violations(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Check credential").click()
    assert page.title().startswith("Error:")
    assert "Paste a credential or choose a file" in page.locator(".error-summary").inner_text()
    assert_no_axe_violations(page)

    page.get_by_label("Paste the credential").fill(token)
    with page.expect_navigation():
        page.get_by_role("button", name="Check credential").click()
    assert "This credential is genuine" in page.locator("main").inner_text()
    assert_no_axe_violations(page)

    forged = tmp_path / "forged.jwt"
    forged.write_text(token[:-6] + ("A" * 6 if not token.endswith("A" * 6) else "B" * 6))
    page.get_by_label("Or upload the credential file").set_input_files(str(forged))
    with page.expect_navigation():
        page.get_by_role("button", name="Check credential").click()
    assert "This credential is not valid" in page.locator("main").inner_text()
    assert_no_axe_violations(page)


def test_the_check_works_without_javascript(browser, certificate_site):
    with certificate_site.app.app_context():
        code = db.session.scalar(select(Certificate.code))
    context = browser.new_context(base_url=certificate_site.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        token = page.request.get(f"/certificates/{code}/credential.jwt").text()
        page.goto("/credentials/check")
        page.get_by_label("Paste the credential").fill(token)
        with page.expect_navigation():
            page.get_by_role("button", name="Check credential").click()
        assert "This credential is genuine" in page.locator("main").inner_text()
    finally:
        context.close()
