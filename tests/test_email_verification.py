"""Verified email addresses: a link emailed to the address confirms it; changing the address takes effect
only from the link sent to the new one, and the old one is told. Messages are queued in the outbox and
sent through a real SMTP inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from literacy.auth import reset, tokens, verification
from literacy.extensions import db
from literacy.models import AuditEvent, OutboxMessage, User, utcnow
from literacy.notifications import outbox

from .support.mail import mail_config


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


def send(app, messages) -> None:
    """What a view does after a service queued messages: commit; then the queue sends them (at once in tests)."""
    db.session.commit()
    assert sorted(outbox.dispatch()) == sorted(message.id for message in messages)
    db.session.expire_all()
    assert [db.session.get(OutboxMessage, message.id).status for message in messages] == ["sent"] * len(messages)


def in_request(app):
    return app.test_request_context("/account")


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_link_for_the_current_address_verifies_it(app, client, auth, make_user, inbox):
    user = make_user("me@example.org")
    with in_request(app):
        message = verification.send_verification(user)
    send(app, [message])
    [received] = inbox.to("me@example.org")
    assert message.recipient == "me@example.org" and "expires in 48 hours" in inbox.body(received)
    link = inbox.link(to="me@example.org", path="/verify-email/")
    page = client.get(link)
    assert page.status_code == 200 and "Confirm that me@example.org is the email address" in page.get_data(as_text=True)
    assert client.get(link).status_code == 200  # opening it (a mail scanner, say) spends nothing
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_email_verified
    response = auth.post(link)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert "Your email address me@example.org is confirmed" in client.get("/sign-in").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).is_email_verified
    assert actions() == ["account.email_verified"]
    used = client.get(link)
    assert used.status_code == 404 and "This email link does not work" in used.get_data(as_text=True)


def test_signed_in_the_owner_goes_home_after_verifying(app, client, auth, make_user, inbox):
    user = make_user("home@example.org")
    with in_request(app):
        send(app, [verification.send_verification(user)])
    auth.sign_in("home@example.org")
    response = auth.post(inbox.link(to="home@example.org", path="/verify-email/"))
    assert response.headers["Location"] == "/"


def test_changing_the_address_sends_a_link_to_the_new_one_and_a_notice_to_the_old(app, client, auth, make_user,
                                                                                   inbox):
    user = make_user("old@example.org")
    with in_request(app):
        messages = verification.email_change(user, "  New@Example.org ")
    send(app, messages)
    assert sorted(message.recipient for message in messages) == ["new@example.org", "old@example.org"]
    [notice] = inbox.to("old@example.org")
    body = inbox.body(notice)
    assert "from old@example.org to new@example.org" in body and "If it was not you" in body
    assert "/verify-email/" not in body and "http://localhost/password-reset" in body
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "old@example.org"  # nothing changes before the link
    link = inbox.link(to="new@example.org", path="/verify-email/")
    page = client.get(link).get_data(as_text=True)
    assert "Confirm your new email address" in page and "new@example.org" in page
    response = auth.post(link)
    assert response.status_code == 302
    assert "Your email address is now new@example.org" in client.get("/sign-in").get_data(as_text=True)
    db.session.expire_all()
    changed = db.session.get(User, user.id)
    assert changed.email == "new@example.org" and changed.is_email_verified
    assert auth.sign_in("new@example.org").status_code == 302
    auth.sign_out()
    assert auth.sign_in("old@example.org").status_code == 200
    assert actions() == ["account.email_change_requested", "account.email_changed"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.email_changed"))
    assert event.details == {"old_email": "old@example.org", "new_email": "new@example.org"}


def test_an_address_with_an_account_gets_a_letter_saying_so_instead_of_a_link(app, make_user, inbox):
    user = make_user("asker@example.org")
    make_user("taken@example.org")
    free = make_user("other@example.org")
    with in_request(app):
        taken = verification.email_change(user, "taken@example.org")
        fresh = verification.email_change(free, "fresh@example.org")
    send(app, taken + fresh)
    [to_taken] = inbox.to("taken@example.org")
    body = inbox.body(to_taken)
    assert "already an account with this address" in body and "/verify-email/" not in body
    # the person asking sees no difference: the same letters go out, the old address told either way
    assert len(taken) == len(fresh) == 2
    [notice] = inbox.to("asker@example.org")
    [other_notice] = inbox.to("other@example.org")
    assert inbox.body(notice).replace("asker@", "X@").replace("taken@", "Y@") == inbox.body(other_notice).replace(
        "other@", "X@"
    ).replace("fresh@", "Y@")
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "asker@example.org"


def test_an_address_taken_while_the_link_waited_is_refused_clearly(app, client, auth, make_user, inbox):
    user = make_user("mover@example.org")
    with in_request(app):
        send(app, verification.email_change(user, "wanted@example.org"))
    make_user("wanted@example.org")  # someone else gets there first
    link = inbox.link(to="wanted@example.org", path="/verify-email/")
    response = auth.post(link)
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and "This email address is already in use" in text
    assert "choose a different one from your account page" in text
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "mover@example.org"


def test_an_expired_link_shows_the_next_step(app, client, auth, make_user, inbox, monkeypatch):
    app.config["EMAIL_VERIFICATION_HOURS"] = "2"
    user = make_user("slow@example.org")
    with in_request(app):
        send(app, [verification.send_verification(user)])
    assert "expires in 2 hours" in inbox.body(inbox.to("slow@example.org")[0])
    link = inbox.link(to="slow@example.org", path="/verify-email/")
    later = utcnow() + timedelta(hours=2, minutes=1)
    monkeypatch.setattr(tokens, "utcnow", lambda: later)
    response = client.get(link)
    text = response.get_data(as_text=True)
    assert response.status_code == 404 and "ask for a new link from your account page" in text
    assert auth.post(link).status_code == 404
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_email_verified


def test_a_newer_link_replaces_an_older_one_and_a_switched_off_account_has_none(app, client, make_user, inbox):
    user = make_user("twice@example.org")
    with in_request(app):
        send(app, [verification.send_verification(user)])
        send(app, [verification.send_verification(user)])
    first, second = (inbox.link(index, to="twice@example.org", path="/verify-email/") for index in (0, 1))
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    user.is_enabled = False
    db.session.commit()
    assert client.get(second).status_code == 404


def test_a_verify_request_runs_once_and_the_service_refuses_a_used_token(app, make_user):
    user = make_user("svc@example.org")
    raw = tokens.issue(user, tokens.VERIFY_EMAIL, user.email, timedelta(hours=1))
    db.session.commit()
    assert verification.verify(raw).outcome == verification.VERIFIED
    db.session.commit()
    assert verification.verify(raw).outcome == verification.INVALID
    assert verification.verify("nonsense").outcome == verification.INVALID


def test_after_a_change_a_reset_link_sent_to_the_old_address_stops_working(app, make_user):
    user = make_user("before@example.org")
    with in_request(app):
        message = reset.send_reset(user)
        raw = outbox.unseal(message.secret)
    db.session.commit()
    assert reset.find(raw) is not None
    change = tokens.issue(user, tokens.VERIFY_EMAIL, "after@example.org", timedelta(hours=1))
    db.session.commit()
    assert verification.verify(change).outcome == verification.CHANGED
    db.session.commit()
    assert db.session.get(User, user.id).email == "after@example.org"
    assert reset.find(raw) is None


def test_the_operator_vouches_for_create_admin_and_demo_accounts(app, runner, published_curriculum):
    result = runner.invoke(args=["create-admin", "--email", "root@example.org", "--name", "Root",
                                 "--password", "a long admin password"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "root@example.org")).is_email_verified
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    users = db.session.scalars(select(User)).all()
    assert len(users) > 1 and all(user.is_email_verified for user in users)
