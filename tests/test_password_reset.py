"""Password reset: asked for on the sign-in page or sent by an administrator, received over real SMTP,
followed from the message; single use, expiring, stored hashed, rate-limited, ending every other session."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from literacy.auth import tokens
from literacy.extensions import db
from literacy.models import AccountToken, AuditEvent, User, UserSession, utcnow

from .conftest import IsolatedClient, csrf_token
from .support.mail import mail_config

NEW = "a brand new passphrase"
SENT = "we are emailing a link"


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


def ask(auth, email: str, **kwargs):
    return auth.post("/password-reset", {"email": email}, **kwargs)


def choose(auth, link: str, password: str = NEW, confirm: str | None = None):
    return auth.post(link, {"password": password, "confirm": password if confirm is None else confirm})


def reset_link(inbox, email: str) -> str:
    return inbox.link(to=email, path="/password-reset/")


def test_a_person_resets_their_password_from_the_emailed_link_and_signs_in_with_it(client, auth, make_user, inbox):
    make_user("p@example.org")
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/password-reset"' in page and "Forgot your password?" in page
    response = ask(auth, "  P@Example.org ")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "If there is an account for p@example.org, we are emailing a link" in text
    assert "If nothing arrives" in text and 'href="/password-reset"' in text
    [message] = inbox.to("p@example.org")
    assert message["Subject"] == "Reset your password for AI literacy" and "expires in 1 hour" in inbox.body(message)
    link = reset_link(inbox, "p@example.org")
    form = client.get(link)
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    assert form.headers["Referrer-Policy"] == "no-referrer"
    response = choose(auth, link)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Your password has been changed" in home and "Signed in as Test Person" in home
    auth.sign_out()
    assert "Enter a correct email address" in auth.sign_in("p@example.org").get_data(as_text=True)
    assert auth.sign_in("p@example.org", NEW).status_code == 302
    events = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert events == ["account.password_reset_requested", "account.password_reset"]


def test_the_same_answer_whether_or_not_the_address_has_an_account(client, auth, make_user, inbox):
    make_user("known@example.org")
    disabled = make_user("disabled@example.org")
    disabled.is_enabled = False
    waiting = User(email="waiting@example.org", name="No password yet")  # invited, never accepted
    db.session.add(waiting)
    db.session.commit()
    answers = set()
    for email in ("known@example.org", "nobody@example.org", "disabled@example.org", "waiting@example.org"):
        response = ask(auth, email)
        page = response.get_data(as_text=True).replace(email, "ADDRESS")
        # a CSRF token carries the second it was signed in: on a slow machine the four answers span seconds
        answers.add((response.status_code, re.sub(r'value="[\w.-]{40,}"', "CSRF", page)))
    assert len(answers) == 1
    assert [message["To"] for message in inbox.messages] == ["known@example.org"]
    assert db.session.scalar(select(func.count(AccountToken.id))) == 1


def test_only_the_hash_of_the_token_is_stored(auth, make_user, inbox):
    make_user("h@example.org")
    ask(auth, "h@example.org")
    raw = reset_link(inbox, "h@example.org").rsplit("/", 1)[-1]
    row = db.session.scalar(select(AccountToken))
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = [str(value) for value in db.session.execute(select(AccountToken.__table__)).one()]
    assert not any(raw in value for value in stored)
    assert row.purpose == "password_reset" and row.email == "h@example.org"


def test_a_link_works_once(client, auth, make_user, inbox):
    make_user("once@example.org")
    ask(auth, "once@example.org")
    link = reset_link(inbox, "once@example.org")
    assert choose(auth, link).status_code == 302
    auth.sign_out()
    again = client.get(link)
    text = again.get_data(as_text=True)
    assert again.status_code == 404 and "This password reset link does not work" in text
    assert 'href="/password-reset">Ask for a new link' in text
    assert choose(auth, link, "yet another passphrase").status_code == 404
    assert db.session.scalar(select(User)).check_password(NEW)


def test_an_unknown_link_shows_the_page_with_the_next_step(client):
    response = client.get("/password-reset/not-a-real-token")
    assert response.status_code == 404 and "Ask for a new link" in response.get_data(as_text=True)


def test_a_link_expires_after_the_setting(app, client, auth, make_user, inbox, monkeypatch):
    app.config["PASSWORD_RESET_MINUTES"] = "30"
    make_user("late@example.org")
    ask(auth, "late@example.org")
    assert "expires in 30 minutes" in inbox.body(inbox.to("late@example.org")[0])
    row = db.session.scalar(select(AccountToken))
    assert row.expires_at - row.created_at == timedelta(minutes=30)
    link = reset_link(inbox, "late@example.org")
    now = utcnow()
    monkeypatch.setattr(tokens, "utcnow", lambda: now + timedelta(minutes=29))
    assert client.get(link).status_code == 200
    monkeypatch.setattr(tokens, "utcnow", lambda: now + timedelta(minutes=31))
    assert client.get(link).status_code == 404
    assert choose(auth, link).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(User)).check_password("correct horse battery")


def test_a_second_request_makes_the_first_link_stop_working(client, auth, make_user, inbox):
    make_user("twice@example.org")
    ask(auth, "twice@example.org")
    ask(auth, "twice@example.org")
    first, second = (inbox.link(index, to="twice@example.org", path="/password-reset/") for index in (0, 1))
    assert first != second
    assert client.get(first).status_code == 404
    assert choose(auth, second).status_code == 302


def test_a_link_to_an_address_the_account_no_longer_has_stops_working(client, auth, make_user, inbox):
    user = make_user("old@example.org")
    ask(auth, "old@example.org")
    user.email = "new@example.org"
    db.session.commit()
    assert client.get(reset_link(inbox, "old@example.org")).status_code == 404


def test_a_reset_ends_every_other_session_even_a_copied_cookie(app, client, auth, make_user, inbox):
    make_user("s@example.org")
    other = IsolatedClient(app, app.response_class, use_cookies=True)
    token = csrf_token(other)
    other.post("/sign-in", data={"email": "s@example.org", "password": "correct horse battery", "csrf_token": token})
    assert other.get("/my-learning").status_code == 200
    copy = IsolatedClient(app, app.response_class, use_cookies=True)
    copy.set_cookie("session", other.get_cookie("session").value)
    assert copy.get("/my-learning").status_code == 200
    ask(auth, "s@example.org")
    assert choose(auth, reset_link(inbox, "s@example.org")).status_code == 302
    for refused in (other, copy):
        response = refused.get("/my-learning")
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert client.get("/my-learning").status_code == 200  # the browser that reset it is signed in afresh
    rows = db.session.scalars(select(UserSession).order_by(UserSession.id)).all()
    assert [row.end_reason for row in rows] == ["password_reset", None]


def test_a_reset_marks_the_email_verified(auth, make_user, inbox):
    user = make_user("v@example.org")
    assert not user.is_email_verified
    ask(auth, "v@example.org")
    choose(auth, reset_link(inbox, "v@example.org"))
    db.session.expire_all()
    assert db.session.get(User, user.id).is_email_verified


def test_the_limit_per_account_counts_every_request_from_any_address(client, make_user, inbox):
    make_user("target@example.org")
    token = csrf_token(client)

    def post(email: str, address: str):
        return client.post(
            "/password-reset", data={"email": email, "csrf_token": token}, environ_base={"REMOTE_ADDR": address}
        )

    for number, email in enumerate(("target@example.org", "TARGET@example.org", " Target@Example.org ")):
        assert post(email, f"10.0.0.{number}").status_code == 200  # three addresses, one account
    response = post("target@example.org", "10.0.0.99")
    assert response.status_code == 429 and "Too many attempts" in response.get_data(as_text=True)
    assert len(inbox.messages) == 3
    assert post("someone@example.org", "10.0.0.99").status_code == 200


def test_the_limit_per_account_is_the_same_for_an_unknown_address(client):
    token = csrf_token(client)
    statuses = [
        client.post("/password-reset", data={"email": "ghost@example.org", "csrf_token": token},
                    environ_base={"REMOTE_ADDR": f"10.0.1.{number}"}).status_code
        for number in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_the_limit_per_address_counts_requests_for_any_account(app, client):
    app.config["RESET_LIMIT_ADDRESS"] = "3 per hour"
    token = csrf_token(client)
    statuses = [
        client.post("/password-reset", data={"email": f"p{number}@example.org", "csrf_token": token}).status_code
        for number in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/password-reset").status_code == 200  # only requests are limited, not the page


def test_bad_input_keeps_what_was_typed_with_an_error_summary(client, auth, make_user, inbox):
    page = ask(auth, "not-an-address").get_data(as_text=True)
    assert "<title>Error: Reset your password" in page and "There is a problem" in page
    assert 'href="#email"' in page and 'value="not-an-address"' in page
    assert "Enter an email address in the correct format" in page
    assert "Enter your email address" in ask(auth, "").get_data(as_text=True)
    make_user("typo@example.org")
    ask(auth, "typo@example.org")
    link = reset_link(inbox, "typo@example.org")
    short = choose(auth, link, "too short").get_data(as_text=True)
    assert "<title>Error: Choose a new password" in short and 'href="#password"' in short
    assert "Your password must be at least 12 characters long" in short
    mismatch = choose(auth, link, NEW, "a different passphrase").get_data(as_text=True)
    assert "The passwords do not match" in mismatch and 'href="#confirm"' in mismatch
    assert choose(auth, link).status_code == 302  # the link still works after the mistakes


def test_the_forms_need_their_csrf_token(client, make_user, inbox):
    make_user("c@example.org")
    assert client.post("/password-reset", data={"email": "c@example.org"}).status_code == 400
    assert inbox.messages == []


def test_each_request_commits_once(client, auth, make_user, inbox, monkeypatch):
    from sqlalchemy import Engine, event

    from literacy.notifications import delivery, jobs

    make_user("one@example.org")
    counted: list[object] = []
    handed: list[list[int]] = []

    def count(connection: object) -> None:
        counted.append(connection)

    event.listen(Engine, "commit", count)
    try:
        with monkeypatch.context() as patched:  # the request alone: the consumer's own commits come after it
            patched.setattr(jobs, "send_messages", handed.append)
            ask(auth, "one@example.org")
        assert len(counted) == 1 and len(handed) == 1  # the token, the audit event and the email together
        delivery.send_due(ids=handed[0])
        link = reset_link(inbox, "one@example.org")
        counted.clear()
        assert choose(auth, link).status_code == 302
        assert len(counted) == 1
    finally:
        event.remove(Engine, "commit", count)


def test_eight_people_following_one_link_at_once_change_the_password_once(app, make_user, auth, inbox, monkeypatch):
    make_user("race@example.org")
    ask(auth, "race@example.org")
    link = reset_link(inbox, "race@example.org")
    clients = []
    for _ in range(8):
        racer = IsolatedClient(app, app.response_class, use_cookies=True)
        clients.append((racer, csrf_token(racer, link)))
    db.session.remove()
    barrier = threading.Barrier(8)
    spend = tokens.spend
    at_spend = threading.Barrier(8)
    serialised = db.engine.dialect.name == "sqlite"  # posts queue for SQLite's write lock (BEGIN IMMEDIATE)

    def spend_together(found, now=None):  # every request has found the link open before any spends it
        if not serialised:
            at_spend.wait(timeout=10)
        return spend(found, now)

    monkeypatch.setattr(tokens, "spend", spend_together)
    results: list[int | None] = [None] * 8
    errors: list[BaseException] = []

    def post(index: int) -> None:
        racer, token = clients[index]
        password = f"racing passphrase {index}"
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results[index] = racer.post(
                    link, data={"password": password, "confirm": password, "csrf_token": token}
                ).status_code
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=post, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    # Queued one after another (SQLite), the others find the link already used (404) rather than losing the spend
    assert sorted(results) == [302] + [404 if serialised else 410] * 7, results
    winner = results.index(302)
    user = db.session.scalar(select(User))
    assert user.check_password(f"racing passphrase {winner}")
    resets = select(func.count(AuditEvent.id)).where(AuditEvent.action == "account.password_reset")
    assert db.session.scalar(resets) == 1
    assert db.session.scalar(select(func.count(UserSession.id)).where(UserSession.ended_at.is_(None))) == 1


# --- sent by an administrator from the people page -------------------------------------------------------


@pytest.fixture
def org(make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    make_user("admin@a.example", name="Ada Admin", organisation=organisation, roles=("org_admin",))
    make_user("manager@a.example", organisation=organisation, roles=("manager",))
    person = make_user("learner@a.example", name="Lee Learner", organisation=organisation)
    return organisation, person


def test_an_organisation_admin_sends_a_reset_link_without_seeing_it(client, auth, org, inbox):
    organisation, person = org
    auth.sign_in("admin@a.example")
    people = client.get("/organisations/org-a/people").get_data(as_text=True)
    path = f"/organisations/org-a/people/{person.id}/password-reset"
    assert f'action="{path}"' in people and "Send a password reset link" in people
    response = auth.post(path)
    assert response.status_code == 302 and response.headers["Location"] == "/organisations/org-a/people"
    after = client.get("/organisations/org-a/people").get_data(as_text=True)
    assert "A password reset link is being emailed to learner@a.example" in after
    [message] = inbox.to("learner@a.example")
    assert "An administrator asked us" in inbox.body(message)
    link = reset_link(inbox, "learner@a.example")
    token = link.rsplit("/", 1)[-1]
    assert token not in response.get_data(as_text=True) and token not in after
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.password_reset_sent"))
    admin = db.session.scalar(select(User).where(User.email == "admin@a.example"))
    assert (event.actor_id, event.organisation_id, event.target_id) == (admin.id, organisation.id, str(person.id))
    assert admin.check_password("correct horse battery")  # nothing of the admin's changed
    auth.sign_out()
    assert choose(auth, link).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).check_password(NEW)


def test_a_site_admin_may_send_a_reset_link(client, auth, org, make_user, inbox):
    _organisation, person = org
    make_user("root@example.org", site_admin=True)
    auth.sign_in("root@example.org")
    assert auth.post(f"/organisations/org-a/people/{person.id}/password-reset").status_code == 302
    assert len(inbox.to("learner@a.example")) == 1


def test_who_may_not_send_a_reset_link(client, auth, org, make_organisation, make_user, inbox):
    _organisation, person = org
    path = f"/organisations/org-a/people/{person.id}/password-reset"
    anonymous = client.post(path, data={"csrf_token": csrf_token(client)})
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/sign-in")
    auth.sign_in("manager@a.example")
    assert auth.post(path).status_code == 403
    auth.sign_out()
    other = make_organisation("org-b", "Organisation B")
    make_user("admin@b.example", organisation=other, roles=("org_admin",))
    auth.sign_in("admin@b.example")
    assert auth.post(f"/organisations/org-b/people/{person.id}/password-reset").status_code == 404
    assert auth.post(path).status_code == 403
    auth.sign_out()
    auth.sign_in("admin@a.example")
    assert client.post(path).status_code == 400  # no CSRF token
    assert auth.post("/organisations/org-a/people/999999/password-reset").status_code == 404
    assert inbox.messages == [] and db.session.scalar(select(func.count(AccountToken.id))) == 0


def test_no_reset_link_for_a_switched_off_account(client, auth, org, inbox):
    _organisation, person = org
    person.is_enabled = False
    db.session.commit()
    auth.sign_in("admin@a.example")
    people = client.get("/organisations/org-a/people").get_data(as_text=True)
    assert f"/people/{person.id}/password-reset" not in people
    response = auth.post(f"/organisations/org-a/people/{person.id}/password-reset", follow_redirects=True)
    assert "has no password to reset yet, or their account is switched off" in response.get_data(as_text=True)
    assert inbox.messages == []


# --- the sign-in page says why a session ended ----------------------------------------------------------


def test_the_sign_in_page_says_once_that_an_idle_session_ended(app, client, auth, make_user, monkeypatch):
    from literacy.auth import sessions

    app.config["SESSION_IDLE_MINUTES"] = "90"
    make_user("idle@example.org")
    auth.sign_in("idle@example.org")
    later = utcnow() + timedelta(minutes=91)
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    response = client.get("/my-learning")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    page = client.get("/sign-in").get_data(as_text=True)
    assert "You were signed out because you had not done anything for 90 minutes." in page
    assert 'class="notification"' in page and "There is a problem" not in page
    assert "You were signed out" not in client.get("/sign-in").get_data(as_text=True)


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("idle", "you had not done anything for 2 hours."),
        ("expired", "you signed in more than 12 hours ago"),
        ("ended", "your session was ended"),
    ],
)
def test_the_sign_in_page_explains_each_reason(client, reason, words):
    with client.session_transaction() as session:
        session["signed_out"] = reason
    page = client.get("/sign-in").get_data(as_text=True)
    assert words in page and re.search(r'class="notification"[^>]*role="status"', page)


def test_the_letter_is_in_the_language_its_recipient_chose(client, auth, make_user, inbox):
    from email.header import decode_header, make_header

    user = make_user("cymraeg@example.org")
    user.locale = "cy"
    db.session.commit()
    ask(auth, "cymraeg@example.org")  # asked from an English page
    [message] = inbox.to("cymraeg@example.org")
    assert str(make_header(decode_header(message["Subject"]))) == "Ailosod eich cyfrinair ar gyfer Llythrennedd AI"
    assert "yn dod i ben ymhen 1 awr" in inbox.body(message)
    assert SENT in ask(auth, "cymraeg@example.org").get_data(as_text=True)  # the page stays English


def test_with_trusted_hosts_a_forged_host_never_reaches_a_reset_link(app, client, make_user, inbox):
    """Password-reset poisoning: without LITERACY_TRUSTED_HOSTS the link names whatever Host was sent."""
    make_user("p@example.org")
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    forged = {"Host": "attacker.example"}
    assert client.get("/password-reset", headers=forged).status_code == 400
    assert client.post("/password-reset", data={"email": "p@example.org"}, headers=forged).status_code == 400
    assert inbox.messages == []
    token = csrf_token(client, "/password-reset")
    assert client.post("/password-reset", data={"email": "p@example.org", "csrf_token": token}).status_code == 200
    body = inbox.body(inbox.to("p@example.org")[-1])
    assert "http://localhost/password-reset/" in body and "attacker.example" not in body


def test_the_trusted_hosts_setting_is_a_comma_separated_list(tmp_path):
    from literacy.config import load

    assert load(str(tmp_path), {"TRUSTED_HOST_NAMES": "learning.example.gov.uk, www.learning.example.gov.uk"})[
        "TRUSTED_HOSTS"
    ] == ["learning.example.gov.uk", "www.learning.example.gov.uk"]
    assert "TRUSTED_HOSTS" not in load(str(tmp_path), {})
