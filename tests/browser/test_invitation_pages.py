"""The invitation pages in a real browser, axe-clean: a new person's page (with its error summary in page
order), an existing account signing in and accepting, the decline confirmation, and leaving from My learning."""

from __future__ import annotations

import pytest

from literacy.cohorts import roster, service
from literacy.extensions import db
from literacy.models import Membership, Organisation, User

from ..cohorts_support import make_cohort, make_module
from .conftest import assert_no_axe_violations

PASSWORD = "correct horse battery"


def _account(email: str, name: str, organisation: Organisation, role: str) -> User:
    user = User(email=email, name=name)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
    return user


@pytest.fixture
def links(live_server):
    """A cohort of Organisation A with two modules; invitations for a new address and for B's Bea."""
    app = live_server.app
    with app.app_context(), app.test_request_context(base_url=live_server.url):
        a = Organisation(slug="org-a", name="Organisation A")
        b = Organisation(slug="org-b", name="Organisation B")
        db.session.add_all([a, b])
        db.session.flush()
        manager = _account("manager@a.example", "Mina Manager", a, "manager")
        _account("bea@b.example", "Bea From B", b, "learner")
        db.session.commit()
        cohort = make_cohort(a, "Cross-government pilot", modules=[(make_module("basics"), None),
                                                                   (make_module("risks"), None)])
        people = roster.parse_pasted("new.person@c.example\nbea@b.example").candidates
        result = service.add_members(manager, cohort, people)
        db.session.commit()
        return {invitation.email: f"/invitations/{token}" for invitation, token in result.invited}


def test_a_new_persons_invitation_page(page, links):
    page.goto(links["new.person@c.example"])
    assert page.locator("h1").inner_text() == "Join “Cross-government pilot”"
    assert page.get_by_text("What Organisation A will see").is_visible()
    assert page.get_by_text("Title of risks").is_visible()
    assert_no_axe_violations(page)
    page.fill("#password", "short")
    with page.expect_navigation():
        page.get_by_role("button", name="Create account and accept").click()
    assert page.title().startswith("Error:")
    summary = page.locator(".error-summary a").all_inner_texts()
    assert summary == [
        "Enter your full name",
        "Your password must be at least 12 characters long",
        "Enter your password again",
    ]
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert_no_axe_violations(page)
    page.fill("#name", "Nia New")
    page.fill("#password", "a long enough password")
    page.fill("#confirm", "a long enough password")
    with page.expect_navigation():
        page.get_by_role("button", name="Create account and accept").click()
    assert page.get_by_text("Welcome. Your account is ready.").is_visible()


def test_an_existing_account_signs_in_accepts_and_can_leave(page, links):
    page.goto(links["bea@b.example"])
    assert page.get_by_text("There is already an account with this email address").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Sign in to accept").click()
    page.fill("#email", "bea@b.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()
    assert page.url.endswith(links["bea@b.example"])
    assert page.get_by_text("you stay a member of Organisation B").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Accept and join").click()
    assert page.get_by_text("You have joined “Cross-government pilot”").is_visible()
    assert page.get_by_role("heading", name="Programmes you have joined").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Leave Cross-government pilot").click()
    assert page.locator("h1").inner_text() == "Leave “Cross-government pilot”?"
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Leave the programme").click()
    assert page.get_by_text("You have left “Cross-government pilot”").is_visible()


def test_declining_asks_first_then_confirms(page, links):
    page.goto(links["new.person@c.example"])
    with page.expect_navigation():
        page.get_by_role("link", name="Decline this invitation").click()
    assert page.locator("h1").inner_text() == "Decline the invitation to “Cross-government pilot”?"
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Decline invitation").click()
    assert page.locator("h1").inner_text() == "Invitation declined"
    assert_no_axe_violations(page)
    page.goto(links["new.person@c.example"])
    assert page.locator("h1").inner_text() == "This invitation link does not work"
    assert_no_axe_violations(page)


def test_the_invitation_page_in_welsh(page, links):
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="Cymraeg").click()
    page.goto(links["new.person@c.example"])
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Ymuno â “Cross-government pilot”"
    assert_no_axe_violations(page)
