"""Work-account sign-in in a real browser: the sign-in page with the work-account option, the email step
with its error, the admin provider form and its errors, the provider list; no axe violations."""

from __future__ import annotations

import pytest

from literacy.extensions import db
from literacy.models import IdentityProvider, Organisation, User

from .conftest import assert_no_axe_violations

PASSWORD = "correct horse battery"


@pytest.fixture
def provider(live_server):
    with live_server.app.app_context():
        organisation = Organisation(slug="council", name="Example Council")
        root = User(email="root@example.org", name="Rhian Root", is_site_admin=True)
        root.set_password(PASSWORD)
        db.session.add_all([organisation, root])
        db.session.flush()
        db.session.add(
            IdentityProvider(
                organisation_id=organisation.id,
                name="Example Council staff",
                issuer="https://login.council.example",
                client_id="literacy",
                client_secret_env="LITERACY_TEST_SSO_SECRET",
                email_domains=["council.example"],
            )
        )
        db.session.commit()


def test_the_sign_in_page_offers_the_work_account_and_its_email_step_is_accessible(page, provider):
    page.goto("/sign-in")
    assert page.get_by_role("link", name="Sign in with your work account").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in with your work account").click()
    assert page.get_by_role("button", name="Sign in with Example Council staff").is_visible()
    assert_no_axe_violations(page)
    page.fill("#email", "lee@elsewhere.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue to your work sign-in").click()
    assert page.title().startswith("Error:")
    assert page.input_value("#email") == "lee@elsewhere.example"
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert_no_axe_violations(page)


def test_the_admin_provider_pages_and_form_errors_are_accessible(page, provider):
    page.goto("/sign-in")
    page.fill("#email", "root@example.org")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).last.click()
    page.goto("/admin/organisations/council/identity-providers")
    assert page.get_by_role("link", name="Example Council staff").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Add a sign-in option").click()
    assert_no_axe_violations(page)
    page.fill("#issuer", "ftp://nope")
    page.fill("#email_domains", "council.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Save sign-in option").click()
    assert page.title().startswith("Error:")
    assert page.input_value("#issuer") == "ftp://nope"
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert_no_axe_violations(page)
