"""The "Your account" pages (/account): name, email address with verification, password, language and
signed-in devices; every change audited; only for the signed-in person; one commit per request; the
``flask accounts`` commands."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, event, select

from literacy.account import service
from literacy.auth import sessions
from literacy.extensions import db
from literacy.models import AuditEvent, User, UserSession, utcnow

from .conftest import Auth
from .support.mail import mail_config

EMAIL = "sam@example.org"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


@pytest.fixture
def person(make_user) -> User:
    return make_user(EMAIL, name="Sam Example")


@pytest.fixture
def signed_in(auth, person) -> User:
    auth.sign_in(EMAIL)
    return person


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def actions(user: User) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(user.id))))


def page(response) -> str:
    return response.get_data(as_text=True)


def error_summary_links(html: str) -> list[str]:
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'href="#([^"]+)"', summary)


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


PAGES = ["/account", "/account/name", "/account/email", "/account/password", "/account/language"]
ACTIONS = ["/account/sign-out-other-devices", "/account/verification", *PAGES[1:]]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, path):
    assert sent_to_sign_in(client.get(path))


@pytest.mark.parametrize("path", ACTIONS)
def test_anonymous_people_cannot_post_changes(client, auth, person, path):
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    assert sent_to_sign_in(auth.post(path, {"name": "Mallory", "language": "cy"}))
    assert fresh(person).name == "Sam Example"
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events


def test_a_post_without_its_csrf_token_is_refused(client, signed_in):
    response = client.post("/account/name", data={"name": "Mallory"})
    assert response.status_code == 400
    assert fresh(signed_in).name == "Sam Example"


def test_the_header_links_to_your_account(client, signed_in):
    assert '<a href="/account">Your account</a>' in page(client.get("/"))
    assert '<a href="/account" aria-current="page">Your account</a>' in page(client.get("/account"))


def test_the_account_page_summarises_the_account(client, signed_in):
    html = page(client.get("/account"))
    assert "<h1" in html and "Your account" in html
    for text in ("Sam Example", EMAIL, "Not verified", "Send a verification link", "English", "On this device only"):
        assert text in html, text
    for path in PAGES[1:]:
        assert f'href="{path}"' in html
    assert "Sign out of all other devices" not in html, "no other session to end"
    assert "2 hours without using the site, and 12 hours after signing in" in html


def test_a_verified_address_is_tagged_and_offers_no_link(client, signed_in):
    fresh(signed_in).email_verified_at = utcnow()
    db.session.commit()
    html = page(client.get("/account"))
    assert ">Verified<" in html and "Not verified" not in html and "Send a verification link" not in html


def test_changing_the_name(client, auth, signed_in):
    form = page(client.get("/account/name"))
    assert 'value="Sam Example"' in form
    response = auth.post("/account/name", {"name": "  Samantha Example "})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    html = page(client.get("/account"))
    assert "Your name has been changed." in html and 'class="notification notification--success"' in html
    assert fresh(signed_in).name == "Samantha Example"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.renamed"))
    assert event.actor_id == signed_in.id and event.details == {"previous": "Sam Example", "name": "Samantha Example"}


def test_an_empty_name_is_refused_with_an_error_summary(auth, signed_in):
    html = page(auth.post("/account/name", {"name": "   "}))
    assert "<title>Error: Change your name" in html and "There is a problem" in html
    assert error_summary_links(html) == ["name"] and "Enter your full name" in html
    assert fresh(signed_in).name == "Sam Example" and actions(signed_in) == []


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(app, client, auth, signed_in):
    other = app.test_client()
    Auth(other).sign_in(EMAIL)
    response = auth.post("/account/password", {"current": "correct horse battery", "password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Your password has been changed." in page(client.get("/account"))
    assert client.get("/account").status_code == 200, "this browser stays signed in"
    assert sent_to_sign_in(other.get("/account")), "the other browser is signed out"
    assert db.session.scalar(select(UserSession.end_reason).where(UserSession.ended_at.is_not(None))) == (
        sessions.PASSWORD_CHANGED
    )
    assert fresh(signed_in).check_password(NEW_PASSWORD)
    assert Auth(app.test_client()).sign_in(EMAIL, NEW_PASSWORD).status_code == 302
    assert Auth(app.test_client()).sign_in(EMAIL).status_code == 200, "the old password no longer works"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.password_changed"))
    assert event.details == {"sessions_ended": 1}


def test_a_wrong_current_password_changes_nothing(app, client, auth, signed_in):
    other = app.test_client()
    Auth(other).sign_in(EMAIL)
    html = page(auth.post("/account/password", {"current": "not my password", "password": NEW_PASSWORD,
                                                  "confirm": NEW_PASSWORD}))
    assert "<title>Error: Change your password" in html
    assert error_summary_links(html) == ["current"] and "Your current password is not right" in html
    assert NEW_PASSWORD not in html, "passwords are never written back into a page"
    assert fresh(signed_in).check_password("correct horse battery") and actions(signed_in) == []
    assert other.get("/account").status_code == 200, "no session was ended"


def test_password_problems_are_listed_in_the_order_of_the_page(auth, signed_in):
    html = page(auth.post("/account/password", {"current": "", "password": "short", "confirm": "other"}))
    assert error_summary_links(html) == ["current", "password", "confirm"]
    assert "Your password must be at least 12 characters long" in html


def test_changing_the_email_address_sends_a_link_and_changes_it_only_when_followed(client, auth, signed_in, inbox):
    response = auth.post("/account/email", {"email": "Sam.New@Example.org ", "password": "correct horse battery"})
    assert response.status_code == 302
    assert "We are emailing a link to sam.new@example.org: follow it to finish changing your email address." in page(
        client.get("/account")
    )
    assert fresh(signed_in).email == EMAIL, "nothing changes before the link is followed"
    assert {message["To"] for message in inbox.messages} == {"sam.new@example.org", EMAIL}
    link = inbox.link(to="sam.new@example.org", path="/verify-email/")
    assert Auth(client).post(link).status_code == 302
    user = fresh(signed_in)
    assert user.email == "sam.new@example.org" and user.is_email_verified
    assert "account.email_change_requested" in actions(user) and "account.email_changed" in actions(user)


def test_an_address_that_has_an_account_gets_the_same_answer(client, auth, signed_in, make_user, inbox):
    make_user("taken@example.org", name="Taken")
    auth.post("/account/email", {"email": "taken@example.org", "password": "correct horse battery"})
    html = page(client.get("/account"))
    assert "We are emailing a link to taken@example.org: follow it to finish changing your email address." in html
    assert fresh(signed_in).email == EMAIL


def test_a_wrong_password_keeps_the_new_address_and_sends_nothing(auth, signed_in, inbox):
    html = page(auth.post("/account/email", {"email": "sam.new@example.org", "password": "wrong"}))
    assert "<title>Error: Change your email address" in html
    assert error_summary_links(html) == ["password"] and "Your current password is not right" in html
    assert 'value="sam.new@example.org"' in html, "what was typed is kept"
    assert inbox.messages == [] and actions(signed_in) == []


def test_the_same_address_again_is_refused(auth, signed_in, inbox):
    html = page(auth.post("/account/email", {"email": EMAIL.upper(), "password": "correct horse battery"}))
    assert error_summary_links(html) == ["email"] and inbox.messages == []


def test_an_invalid_address_is_refused(auth, signed_in, inbox):
    html = page(auth.post("/account/email", {"email": "not an address", "password": "correct horse battery"}))
    assert error_summary_links(html) == ["email"] and 'value="not an address"' in html
    assert inbox.messages == []


def test_sending_a_verification_link(client, auth, signed_in, inbox):
    assert auth.post("/account/verification").status_code == 302
    assert f"We are emailing a link to {EMAIL}" in page(client.get("/account"))
    link = inbox.link(to=EMAIL, path="/verify-email/")
    Auth(client).post(link)
    assert fresh(signed_in).is_email_verified
    assert "Not verified" not in page(client.get("/account"))


def test_a_verified_address_gets_no_new_link(auth, signed_in, inbox):
    fresh(signed_in).email_verified_at = utcnow()
    db.session.commit()
    auth.post("/account/verification")
    assert inbox.messages == []


def test_changing_the_language(client, auth, signed_in):
    form = page(client.get("/account/language"))
    assert 'id="language-en" name="language" value="en" checked' in form, "the page's language is chosen"
    assert 'lang="cy">Cymraeg</label>' in form
    assert auth.post("/account/language", {"language": "cy"}).status_code == 302
    html = page(client.get("/account"))
    assert '<html lang="cy">' in html and "Mae eich iaith wedi’i newid." in html, "said in the chosen language"
    assert fresh(signed_in).locale == "cy"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.language_changed"))
    assert event.details == {"previous": None, "language": "cy"}


@pytest.mark.parametrize("data", [{}, {"language": "fr"}])
def test_a_language_must_be_chosen_from_the_list(auth, signed_in, data):
    html = page(auth.post("/account/language", data))
    assert error_summary_links(html) == ["language-en"] and html.count("Select a language") == 2
    assert fresh(signed_in).locale is None


def test_signing_out_of_all_other_devices(app, client, auth, signed_in):
    others = [app.test_client(), app.test_client()]
    for other in others:
        Auth(other).sign_in(EMAIL)
    html = page(client.get("/account"))
    assert "You are also signed in on 2 other devices or browsers." in html
    assert "On 3 devices, including this one" in html
    assert auth.post("/account/sign-out-other-devices").status_code == 302
    html = page(client.get("/account"))
    assert "You have been signed out on 2 other devices." in html
    assert "You are not signed in on any other device." in html
    for other in others:
        assert sent_to_sign_in(other.get("/account"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.signed_out_other_devices"))
    assert event.details == {"sessions_ended": 2}
    auth.post("/account/sign-out-other-devices")
    assert "You were not signed in on any other device." in page(client.get("/account"))


def test_the_account_page_runs_the_same_queries_however_many_sessions(app, client, signed_in):
    def statements() -> int:
        found: list[str] = []
        listener = lambda *args: found.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/account").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(found)

    one = statements()
    for _ in range(4):
        Auth(app.test_client()).sign_in(EMAIL)
    assert statements() == one <= 4  # the loader, the header's navigation, the open sessions


@pytest.fixture
def commits():
    counted: list[object] = []
    listener = lambda connection: counted.append(connection)  # noqa: E731
    event.listen(Engine, "commit", listener)
    yield counted
    event.remove(Engine, "commit", listener)


def test_every_change_commits_once(client, auth, signed_in, commits, monkeypatch):
    from literacy.notifications import jobs

    monkeypatch.setattr(jobs, "send_messages", lambda ids: None)  # the request alone, not the consumer after it

    def once(path: str, data: dict[str, str] | None = None) -> int:
        commits.clear()
        assert auth.post(path, data).status_code == 302
        return len(commits)

    # auth.post reads a CSRF token from /help first, which commits nothing
    assert once("/account/name", {"name": "Sam Other"}) == 1
    assert once("/account/language", {"language": "en"}) == 1
    assert once("/account/email", {"email": "new@example.org", "password": "correct horse battery"}) == 1
    assert once("/account/verification") == 1
    assert once("/account/sign-out-other-devices") == 1
    assert once("/account/password", {"current": "correct horse battery", "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD}) == 1


def test_the_services_record_every_change(app, person):
    user = db.session.get(User, person.id)
    service.rename(user, "Same Person")
    service.rename(user, "Same Person")  # no change, nothing recorded
    assert not service.change_password(user, "wrong", NEW_PASSWORD)
    assert service.change_password(user, "correct horse battery", NEW_PASSWORD)
    service.set_language(user, "cy")
    with pytest.raises(ValueError):
        service.set_language(user, "xx")
    service.sign_out_other_devices(user)
    assert service.set_enabled(None, user, False) and not service.set_enabled(None, user, False)
    assert service.set_enabled(None, user, True)
    db.session.commit()
    assert actions(user) == [
        "account.renamed",
        "account.password_changed",
        "account.language_changed",
        "account.signed_out_other_devices",
        "account.deactivated",
        "account.activated",
    ]


def test_the_deactivate_and_activate_commands(app, runner, client, auth, signed_in):
    result = runner.invoke(args=["accounts", "deactivate", "SAM@example.org"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Deactivated {EMAIL} and ended 1 open session(s)"
    assert sent_to_sign_in(client.get("/account"))
    assert auth.sign_in(EMAIL).status_code == 200, "sign-in is refused"
    again = runner.invoke(args=["accounts", "deactivate", EMAIL])
    assert again.exit_code == 0 and "already deactivated" in again.output

    result = runner.invoke(args=["accounts", "activate", EMAIL])
    assert result.exit_code == 0 and f"Activated {EMAIL}" in result.output
    assert auth.sign_in(EMAIL).status_code == 302
    assert client.get("/account").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("account.%activated"))).all()
    assert [(e.action, e.actor_id) for e in events] == [("account.deactivated", None), ("account.activated", None)]
    assert events[0].details == {"email": EMAIL, "sessions_ended": 1}


def test_the_commands_refuse_an_unknown_address(runner, person):
    for command in ("deactivate", "activate"):
        result = runner.invoke(args=["accounts", command, "nobody@example.org"])
        assert result.exit_code == 1 and "no account has the email address nobody@example.org" in result.output
    assert fresh(person).is_enabled


def test_the_account_page_in_welsh(app, client, auth, signed_in):
    for _ in range(2):
        Auth(app.test_client()).sign_in(EMAIL)
    auth.post("/account/language", {"language": "cy"})
    html = page(client.get("/account"))
    assert "Eich cyfrif" in html and "Heb ei wirio" in html
    assert "Rydych chi hefyd wedi mewngofnodi ar 2 ddyfais neu borwr arall." in html
    assert "Ar 3 dyfais, gan gynnwys hon" in html
    assert "ar ôl 2 awr heb ddefnyddio’r wefan, a 12 awr ar ôl mewngofnodi" in html


def test_wrong_current_passwords_are_limited_like_failed_sign_ins(app, auth, signed_in):
    """A stolen signed-in browser cannot be used to guess the password on the change pages."""
    app.config["SIGN_IN_LIMIT_ACCOUNT"] = "3 per minute"
    right = {"current": "correct horse battery", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert auth.post("/account/name", {"name": "Not counted"}).status_code == 302
    for _ in range(2):
        assert auth.post("/account/password", {**right, "current": "guess"}).status_code == 200
    assert auth.post("/account/email", {"email": "x@example.org", "password": "guess"}).status_code == 200
    refused = auth.post("/account/password", right)
    assert refused.status_code == 429
    assert fresh(signed_in).check_password("correct horse battery")
