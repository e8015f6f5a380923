"""The message pages in a real browser, with no axe violations: a person's messages with every status tag,
the choice of optional emails and its banner, the one-click unsubscribe page (signed out) and what it
says after, a broken unsubscribe link, and a manager's invitation list with the emails' status."""

from __future__ import annotations

from datetime import timedelta

import pytest

from literacy.extensions import db
from literacy.models import Cohort, Membership, Organisation, OutboxMessage, User, utcnow
from literacy.notifications import unsubscribe
from literacy.organisations import invitations

from .conftest import assert_no_axe_violations

EMAIL = "nia@example.org"
PASSWORD = "correct horse battery"
STATUSES = [  # (status, attempts, last_error)
    ("sent", 1, None),
    ("not_sent", 1, "no mail server is configured"),
    ("queued", 2, "the mail server could not be reached (ConnectionRefusedError: refused)"),
    ("failed", 6, "the mail server answered 550: mailbox unavailable"),
    ("skipped", 1, "the link was used, or a newer one was asked for"),
    ("queued", 0, None),
]


@pytest.fixture
def people(live_server):
    """Nia (a manager of Organisation A, with messages in every status) and a cohort with invitations."""
    with live_server.app.app_context():
        organisation = Organisation(slug="org-a", name="Organisation A")
        nia = User(email=EMAIL, name="Nia Manager")
        nia.set_password(PASSWORD)
        db.session.add_all([organisation, nia])
        db.session.flush()
        db.session.add(Membership(user_id=nia.id, organisation_id=organisation.id, role="manager"))
        cohort = Cohort(organisation_id=organisation.id, name="Autumn", description="", created_at=utcnow())
        db.session.add(cohort)
        db.session.flush()
        now = utcnow()
        for number, (status, attempts, error) in enumerate(STATUSES):
            db.session.add(
                OutboxMessage(
                    kind="password_reset" if number % 2 else "email_verification",
                    recipient=EMAIL,
                    user_id=nia.id,
                    language="en",
                    context={},
                    status=status,
                    attempts=attempts,
                    last_error=error,
                    subject="Reset your password for AI literacy" if status != "queued" else "",
                    created_at=now - timedelta(hours=number),
                    next_attempt_at=now,
                    finished_at=now if status in ("sent", "not_sent", "failed", "skipped") else None,
                )
            )
        invited = [
            invitations.issue(nia, organisation, f"person{number}@example.org", cohort_id=cohort.id)[0]
            for number in range(len(STATUSES))
        ]
        db.session.flush()
        for invitation, (status, attempts, error) in zip(invited, STATUSES, strict=True):
            row = db.session.get(OutboxMessage, invitation.message_id)
            row.status, row.attempts, row.last_error = status, attempts, error
            row.finished_at = now if status in ("sent", "not_sent", "failed", "skipped") else None
        db.session.commit()
        return {"nia": nia.id, "cohort": cohort.id}


def sign_in(page) -> None:  # noqa: ANN001
    page.goto("/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).last.click()


def test_the_messages_page_shows_every_status_without_axe_violations(page, people):
    sign_in(page)
    page.goto("/account")
    with page.expect_navigation():
        page.get_by_role("link", name="Messages we have sent you").click()
    assert page.locator("h1").inner_text() == "Messages we have sent you"
    tags = page.locator("main .tag").all_inner_texts()
    assert "Not sent: no mail server is configured" in tags and "Queued" in tags
    assert "Retrying: the mail server could not be reached" in tags
    assert "Failed: the mail server refused the message" in tags and "Not sent: no longer needed" in tags
    assert any(tag.startswith("Sent ") for tag in tags)
    assert_no_axe_violations(page)


def test_choosing_emails_by_keyboard_shows_a_banner_without_axe_violations(page, people):
    sign_in(page)
    page.goto("/account/notifications")
    assert page.get_by_label("Weekly digest of the cohorts I manage").is_visible()  # Nia is a manager
    assert_no_axe_violations(page)
    page.get_by_label("Reminders of due and overdue work").focus()
    page.keyboard.press("Space")  # unticked
    page.get_by_label("Weekly digest of the cohorts I manage").check()
    page.get_by_role("button", name="Save choices").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".notification--success").inner_text().endswith("Your choices of emails have been saved.")
    assert not page.get_by_label("Reminders of due and overdue work").is_checked()
    assert page.get_by_label("Weekly digest of the cohorts I manage").is_checked()
    assert_no_axe_violations(page)


def test_the_unsubscribe_pages_have_no_axe_violations(page, people, live_server):
    with live_server.app.test_request_context():
        token = unsubscribe.token(people["nia"], "notify_renewals")
    page.goto(f"/unsubscribe/{token}")  # not signed in
    assert page.locator("h1").inner_text() == "Stop these emails"
    assert page.get_by_text("Certificate expiry notices").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Stop these emails").click()
    assert page.locator("h1").inner_text() == "You will not get these emails any more"
    assert_no_axe_violations(page)
    with live_server.app.app_context():
        assert not db.session.get(User, people["nia"]).notify_renewals
    response = page.goto("/unsubscribe/not-a-real-link")
    assert response.status == 404 and page.locator("h1").inner_text() == "This link does not work"
    assert_no_axe_violations(page)


def test_the_invitation_list_shows_each_emails_status_without_axe_violations(page, people):
    sign_in(page)
    page.goto(f"/organisations/org-a/cohorts/{people['cohort']}")
    table = page.locator("table", has_text="person0@example.org")
    tags = table.locator(".tag").all_inner_texts()
    assert "Not sent: no mail server is configured" in tags and "Failed: the mail server refused the message" in tags
    assert any(tag.startswith("Sent ") for tag in tags)
    assert table.get_by_role("button", name="Copy link person1@example.org").is_visible()
    assert_no_axe_violations(page)
