"""Every account message goes through the outbox: queued as a row in the recipient's language, sent by a
real SMTP server (aiosmtpd) after the request with a text and an HTML part, its link sealed in the row
and erased once sent; pages show the real status (sent, not sent without a mail server, retrying,
failed, no longer needed) and never a message's link."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import Invitation, OutboxMessage, User, utcnow
from literacy.notifications import account_messages, delivery, jobs, kinds, outbox, status

from .cohorts_support import make_cohort
from .conftest import Auth
from .support.mail import free_port, mail_config

WELSH = "cymraeg@a.example"


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


@pytest.fixture
def org(make_organisation, make_user):
    organisation = make_organisation("org-a", "Sefydliad A")
    make_user("manager@a.example", organisation=organisation, roles=("manager", "org_admin"))
    welsh = make_user(WELSH, name="Cymro", organisation=organisation)
    welsh.locale = "cy"
    make_user("taken@a.example", name="Taken")
    db.session.commit()
    return organisation


@pytest.fixture
def held(monkeypatch):
    """The ids each request hands to the task queue, kept instead of sent (to look at the queued rows)."""
    handed: list[int] = []
    monkeypatch.setattr(jobs, "send_messages", handed.extend)
    return handed


def subject(message) -> str:  # noqa: ANN001
    return str(make_header(decode_header(message["Subject"])))


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def cause_every_kind(client, org) -> None:  # noqa: ANN001
    """Each account message to the Welsh learner (or her addresses), caused through the pages as people
    cause them: an invitation, two resets (hers, her administrator's), a verification, two address changes."""
    manager = Auth(client)
    manager.sign_in("manager@a.example")
    cohort = make_cohort(org, "Hydref")
    manager.post(f"/organisations/org-a/cohorts/{cohort.id}/members/add", {"emails": "newcomer@a.example"})
    welsh = db.session.scalar(select(User).where(User.email == WELSH))
    manager.post(f"/organisations/org-a/people/{welsh.id}/password-reset")  # from the organisation's admin
    manager.sign_out()
    learner = Auth(client)
    learner.post("/password-reset", {"email": WELSH})
    learner.sign_in(WELSH)
    learner.post("/account/verification")
    learner.post("/account/email", {"email": "newydd@a.example", "password": "correct horse battery"})
    learner.post("/account/email", {"email": "taken@a.example", "password": "correct horse battery"})
    learner.sign_out()


def test_every_kind_is_a_row_in_the_recipients_language_with_its_link_sealed(app, client, org, held):
    cause_every_kind(client, org)
    queued = rows()
    kinds_queued = sorted(row.kind for row in queued)
    assert kinds_queued == sorted(
        [
            "invitation",
            "password_reset",
            "password_reset",
            "email_verification",
            "email_change_confirm",
            "email_change_notice",
            "email_change_taken",
            "email_change_notice",
        ]
    )
    assert set(held) == {row.id for row in queued}  # each request handed its rows over after its commit
    welsh = db.session.scalar(select(User).where(User.email == WELSH))
    for row in queued:
        assert row.status == "queued" and not row.is_optional and row.subject == ""
        if row.kind == "invitation":
            assert row.language == "en"  # no account for the address: the language of the manager's page
        elif row.kind == "email_change_taken":
            # that account chose no language: the one of the page it was asked from (hers)
            assert row.language == "cy" and row.recipient == "taken@a.example"
        else:
            assert row.language == "cy" and row.user_id == welsh.id, row.kind
    with_links = [row for row in queued if row.kind not in ("email_change_taken", "email_change_notice")]
    for row in with_links:
        token = outbox.unseal(row.secret)
        assert token and token not in row.secret and token not in str(row.context)
        assert set(row.context) <= {"invitation_id", "token_id", "by_administrator", "base_url"}


def test_every_kind_is_sent_in_welsh_with_both_parts_and_the_secret_is_erased(app, client, org, inbox):
    cause_every_kind(client, org)
    sent = rows()
    assert {row.status for row in sent} == {"sent"} and all(row.secret is None for row in sent)
    for row in sent:
        assert row.subject and row.finished_at is not None and row.attempts == 1
    welsh = {subject(m) for m in inbox.to(WELSH)}
    assert welsh == {
        "Ailosod eich cyfrinair ar gyfer Llythrennedd AI",
        "Cadarnhewch eich cyfeiriad e-bost ar gyfer Llythrennedd AI",
        "Mae cyfeiriad e-bost eich cyfrif Llythrennedd AI yn cael ei newid",
    }
    new_address = subject(inbox.to("newydd@a.example")[0])
    assert new_address == "Cadarnhewch eich cyfeiriad e-bost newydd ar gyfer Llythrennedd AI"
    for message in inbox.messages:
        text, html = inbox.body(message), inbox.html(message)
        assert text.strip() and "<p" in html and message["List-Unsubscribe"] is None  # none can be turned off
    resets = inbox.to(WELSH)
    by_admin = next(m for m in resets if "Gofynnodd gweinyddwr" in inbox.body(m))
    assert "Sefydliad A" in inbox.body(by_admin) and "Sefydliad A" in inbox.html(by_admin)
    assert 'lang="cy"' in inbox.html(by_admin) and "Sefydliad A" in by_admin["From"]
    [invitation] = inbox.to("newcomer@a.example")
    assert "Sefydliad A" in subject(invitation) and "Sefydliad A" in inbox.html(invitation)
    # the links work, and the tokens were never kept
    link = inbox.link(to="newcomer@a.example", path="/invitations/")
    assert client.get(link).status_code == 200
    assert client.get(inbox.link(to="newydd@a.example", path="/verify-email/")).status_code == 200
    for row in sent:
        assert link.rsplit("/", 1)[1] not in str(row.context)


def test_the_person_sees_their_messages_and_their_status_but_never_a_link(app, client, org, inbox):
    cause_every_kind(client, org)
    learner = Auth(client)
    learner.sign_in(WELSH)
    page = client.get("/account/messages").get_data(as_text=True)
    assert "Dolen i ailosod cyfrinair" in page and "Anfonwyd " in page  # Welsh: her chosen language
    assert "Neges i’ch cyfeiriad e-bost newydd" in page
    for path in ("/password-reset/", "/verify-email/", "/invitations/"):
        assert path not in page
    # the two messages to a new address look alike: the list cannot tell her whether an address has an account
    assert "Cadarnhewch eich cyfeiriad e-bost newydd" not in page
    assert "Eich cyfeiriad e-bost ar y gwasanaeth" not in page
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/messages"' in account and 'href="/account/notifications"' in account
    learner.sign_out()
    assert client.get("/account/messages").status_code == 302  # signed out: to the sign-in page


def test_a_site_administrator_sees_a_persons_messages_and_others_are_refused(app, client, org, make_user, inbox):
    make_user("root@example.org", name="Root", site_admin=True)
    cause_every_kind(client, org)
    welsh = db.session.scalar(select(User).where(User.email == WELSH))
    admin = Auth(client)
    admin.sign_in("root@example.org")
    page = client.get(f"/admin/people/{welsh.id}").get_data(as_text=True)
    assert "Password reset link" in page and "Sent " in page and "/password-reset/" not in page
    admin.sign_out()
    admin.sign_in("manager@a.example")
    assert client.get(f"/admin/people/{welsh.id}").status_code in (403, 404)


@pytest.mark.parametrize("app_config", [{}])
def test_without_a_mail_server_nothing_is_sent_and_the_pages_say_so(app, client, org, caplog):
    cohort = make_cohort(org, "Hydref")
    manager = Auth(client)
    manager.sign_in("manager@a.example")
    with caplog.at_level("WARNING", logger="literacy.notifications"):
        manager.post(f"/organisations/org-a/cohorts/{cohort.id}/members/add", {"emails": "newcomer@a.example"})
        manager.post("/organisations/org-a/people/invite", {"email": "boss@a.example", "role": "manager"})
    assert "/invitations/" in caplog.text  # the links are only in the log
    assert {(row.status, row.last_error) for row in rows()} == {("not_sent", "no mail server is configured")}
    for path in (f"/organisations/org-a/cohorts/{cohort.id}", "/organisations/org-a/people"):
        page = client.get(path).get_data(as_text=True)
        assert "Not sent: no mail server is configured" in page and "Copy link" in page
        assert "Sent " not in page
    manager.sign_out()
    learner = Auth(client)
    learner.sign_in(WELSH)
    learner.post("/account/verification")
    page = client.get("/account/messages").get_data(as_text=True)
    assert "Heb ei anfon: does dim gweinydd post wedi’i osod" in page


@pytest.mark.parametrize("app_config", [{"MAIL_HOST": "127.0.0.1", "MAIL_MAX_ATTEMPTS": 2, "MAIL_RETRY_SECONDS": 60}])
def test_a_failing_mail_server_leaves_it_queued_for_a_retry_then_failed_and_the_pages_say_so(app, client, org):
    app.config["MAIL_PORT"] = str(free_port())  # nothing listens there
    cohort = make_cohort(org, "Hydref")
    manager = Auth(client)
    manager.sign_in("manager@a.example")
    manager.post(f"/organisations/org-a/cohorts/{cohort.id}/members/add", {"emails": "newcomer@a.example"})
    [row] = rows()
    assert (row.status, row.attempts) == ("queued", 1) and "could not be reached" in row.last_error
    assert row.secret is not None and row.next_attempt_at > utcnow()  # kept, sealed, for the retry
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Retrying: the mail server could not be reached" in page and "Sent " not in page
    delivery.send_due(now=utcnow() + timedelta(minutes=5))  # the retry is due; the server is still down
    [row] = rows()
    assert (row.status, row.attempts, row.secret) == ("failed", 2, None)
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Failed: the mail server could not be reached" in page and "Copy link" in page
    invitation = db.session.scalar(select(Invitation))
    from literacy.organisations import invitations

    assert not invitations.proves_mailbox(invitation)


def test_a_link_replaced_before_its_turn_is_not_sent(app, client, org, inbox, held):
    cohort = make_cohort(org, "Hydref")
    manager = Auth(client)
    manager.sign_in("manager@a.example")
    manager.post(f"/organisations/org-a/cohorts/{cohort.id}/members/add", {"emails": "newcomer@a.example"})
    first = db.session.scalar(select(Invitation))
    manager.post(f"/organisations/org-a/invitations/{first.id}/resend")  # a new link before the first went
    client.post("/password-reset", data={"email": WELSH, "csrf_token": _token(client)})
    client.post("/password-reset", data={"email": WELSH, "csrf_token": _token(client)})
    delivery.send_due(ids=list(held))
    outcome = [(row.kind, row.status, row.last_error) for row in rows()]
    assert outcome == [
        ("invitation", "skipped", "the invitation was cancelled or replaced by a newer link"),
        ("invitation", "sent", None),
        ("password_reset", "skipped", "the link was used, or a newer one was asked for"),
        ("password_reset", "sent", None),
    ]
    assert len(inbox.to("newcomer@a.example")) == 1 and len(inbox.to(WELSH)) == 1
    with app.test_request_context():
        assert status.describe("skipped").label == "Not sent: no longer needed"


def _token(client) -> str:  # noqa: ANN001
    from .conftest import csrf_token

    return csrf_token(client)


def test_every_account_kind_is_registered_and_none_can_be_turned_off(app):
    names = (
        account_messages.INVITATION,
        account_messages.PASSWORD_RESET,
        account_messages.EMAIL_VERIFICATION,
        account_messages.EMAIL_CHANGE_CONFIRM,
        account_messages.EMAIL_CHANGE_TAKEN,
        account_messages.EMAIL_CHANGE_NOTICE,
    )
    with app.test_request_context():
        for name in names:
            assert not kinds.get(name).is_optional
            assert status.kind_label(name) != "Message"  # each has plain words on the pages


def test_status_words(app):
    with app.test_request_context():
        assert status.describe("queued").label == "Queued"
        assert status.describe("queued", attempts=2, last_error="the mail server answered 451: busy").label == (
            "Retrying: the mail server refused the message"
        )
        assert status.describe("failed", 6, "the mail server refused the address").label == (
            "Failed: the mail server refused the address"
        )
        assert status.describe("sending").label == "Sending"
        when = utcnow().replace(year=2026, month=12, day=1, hour=12)
        assert status.describe("sent", 1, None, when).label == "Sent 1 December 2026"


def test_the_writers_name_the_pages_and_links_their_areas_own(app):
    """notifications imports no area, so its writers repeat the endpoints and token purposes by name."""
    from literacy.auth import reset, tokens, verification
    from literacy.organisations import invitations

    assert account_messages.ACCEPT_ENDPOINT == invitations.ACCEPT_ENDPOINT
    assert account_messages.RESET_ENDPOINT == reset.RESET_ENDPOINT
    assert account_messages.FORGOT_ENDPOINT == reset.FORGOT_ENDPOINT
    assert account_messages.VERIFY_ENDPOINT == verification.VERIFY_ENDPOINT
    assert (account_messages.RESET_PURPOSE, account_messages.VERIFY_PURPOSE) == (
        tokens.PASSWORD_RESET,
        tokens.VERIFY_EMAIL,
    )
