"""Hostile-input pages in a real browser: text kept across an expired session comes back as a comparison the
trainer confirms, and a refused upload shows its message; axe checks each page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from literacy.authoring import drafts
from literacy.extensions import db
from literacy.models import Membership, Organisation, User, UserSession, utcnow

from .conftest import assert_no_axe_violations

EDITOR = "/author/council/modules/phishing-basics/files/quiz.md"


@pytest.fixture
def trainer(live_server):
    with live_server.app.app_context():
        organisation = Organisation(slug="council", name="Council")
        user = User(email="trainer@example.org", name="Tess Trainer")
        user.set_password("correct horse battery")
        db.session.add_all([organisation, user])
        db.session.flush()
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role="trainer"))
        drafts.create_draft(organisation, user, drafts.starter_files("phishing-basics", "Phishing basics"),
                            "phishing-basics")
        db.session.commit()
    return live_server


def sign_in(page) -> None:
    page.fill("#email", "trainer@example.org")
    page.fill("#password", "correct horse battery")
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def test_kept_text_is_compared_and_used_only_when_the_trainer_confirms(page, trainer):
    page.goto("/sign-in")
    sign_in(page)
    page.goto(EDITOR)
    written = page.input_value("#source").replace("Write the question here.", "Which sign is surest?")
    page.fill("#source", written)
    with trainer.app.app_context():  # the session outlives LITERACY_SESSION_LIFETIME_HOURS
        db.session.execute(update(UserSession).values(created_at=utcnow() - timedelta(hours=13)))
        db.session.commit()
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    assert page.url.split("?")[0].endswith("/sign-in")
    sign_in(page)
    # back on the editor with the kept text's key (on a busy machine the redirect may still be arriving)
    page.wait_for_url(lambda url: "restore=" in url and "/sign-in" not in url, timeout=15_000)
    panel = page.get_by_role("region", name="Text kept when your session expired")
    assert panel.is_visible()
    assert "Which sign is surest?" in panel.inner_text()
    assert "Which sign is surest?" not in page.input_value("#source")
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Use my kept text").click()
    assert page.input_value("#source").replace("\r\n", "\n") == written.replace("\r\n", "\n")
    assert_no_axe_violations(page)


def test_a_damaged_zip_shows_a_message(page, trainer, tmp_path):
    page.goto("/sign-in")
    sign_in(page)
    page.goto("/author/council/import")
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    page.set_input_files("#file", str(damaged))
    with page.expect_navigation():
        page.get_by_role("button", name="Import module").click()
    assert page.title().startswith("Error:")
    assert "The file is not a zip file." in page.locator(".error-summary").inner_text()
    assert_no_axe_violations(page)
