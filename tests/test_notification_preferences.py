"""The optional emails: chosen on /account/notifications, and stopped without signing in from the link in
each one (a page with a button, or a mail client's RFC 8058 one-click POST). Messages nobody can opt out
of carry no such link."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import OutboxMessage, User
from literacy.notifications import outbox, unsubscribe

from .conftest import Auth
from .support import consumer_kinds  # noqa: F401 - registers test_optional (preference notify_reminders)
from .support.mail import mail_config

EMAIL = "pat@a.example"


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


@pytest.fixture
def person(make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=organisation, roles=("manager",))
    return make_user(EMAIL, name="Pat", organisation=organisation)


def fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def optional_email(app, inbox, user: User):  # noqa: ANN001, ANN201
    """An optional message (turned off by notify_reminders) sent to ``user``; returns the received email."""
    with app.test_request_context():
        outbox.queue("test_optional", user.email, user=user)
    db.session.commit()
    outbox.dispatch()
    return inbox.to(user.email)[-1]


def path_of(link: str) -> str:
    return link.removeprefix("http://localhost")


def test_the_settings_page_shows_the_choices_and_saves_them(client, auth, person):
    auth.sign_in(EMAIL)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Reminders of due and overdue work" in page and "Certificate expiry notices" in page
    assert "Weekly digest" not in page  # only for managers
    assert 'name="notify_reminders" value="y" aria-describedby="notify_reminders-hint" checked' in page
    response = auth.post("/account/notifications", {"notify_renewals": "y", "notify_digest": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/notifications"
    after = client.get("/account/notifications").get_data(as_text=True)
    assert "Your choices of emails have been saved." in after and 'class="notification' in after
    user = fresh(person.id)
    assert (user.notify_reminders, user.notify_renewals, user.notify_digest) == (False, True, False)  # no digest


def test_a_manager_can_choose_the_weekly_digest(client, auth, person):
    auth.sign_in("manager@a.example")
    assert "Weekly digest of the cohorts I manage" in client.get("/account/notifications").get_data(as_text=True)
    auth.post("/account/notifications", {"notify_reminders": "y", "notify_renewals": "y", "notify_digest": "y"})
    manager = db.session.scalar(select(User).where(User.email == "manager@a.example"))
    assert fresh(manager.id).notify_digest


def test_the_settings_need_a_session_and_a_csrf_token(client, auth, person):
    assert client.get("/account/notifications").status_code == 302
    auth.sign_in(EMAIL)
    assert client.post("/account/notifications", data={}).status_code == 400
    assert fresh(person.id).notify_reminders


def test_an_optional_email_has_the_headers_and_one_click_stops_it_without_a_session(app, client, person, inbox):
    received = optional_email(app, inbox, person)
    link = received["List-Unsubscribe"].strip("<>")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in inbox.body(received) and "/account/notifications" in inbox.body(received)
    assert path_of(link).startswith("/unsubscribe/")
    # a mail client's one-click POST: no session, no CSRF token
    response = app.test_client().post(path_of(link), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "You will not get these emails any more" in response.get_data(as_text=True)
    assert not fresh(person.id).notify_reminders and fresh(person.id).notify_renewals
    # the next one is not sent, and the person's page says why
    with app.test_request_context():
        outbox.queue("test_optional", EMAIL, user=fresh(person.id))
    db.session.commit()
    outbox.dispatch()
    assert len(inbox.to(EMAIL)) == 1
    last = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert (last.status, last.last_error) == ("skipped", "the person turned these messages off")


def test_opening_the_link_changes_nothing_and_the_button_stops_them(app, client, person, inbox):
    link = path_of(optional_email(app, inbox, person)["List-Unsubscribe"].strip("<>"))
    page = client.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Reminders of due and overdue work" in text and "Stop these emails" in text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert fresh(person.id).notify_reminders  # a scanner opening the link turns nothing off
    assert client.post(link, data={}).status_code == 400  # the page's form is CSRF-checked
    assert fresh(person.id).notify_reminders
    assert Auth(client).post(link).status_code == 200
    assert not fresh(person.id).notify_reminders


def test_a_forged_or_broken_link_is_refused(app, client, person):
    with app.test_request_context():
        good = unsubscribe.token(person.id, "notify_reminders")
    for token in (good[:-2] + "xx", "nonsense", good.replace(good.split(".")[0], "WzEsIm5vdGlmeV9kaWdlc3QiXQ")):
        response = client.get(f"/unsubscribe/{token}")
        assert response.status_code == 404 and "This link does not work" in response.get_data(as_text=True)
        assert client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    with app.test_request_context():
        gone = unsubscribe.token(person.id + 1000, "notify_reminders")
    assert client.get(f"/unsubscribe/{gone}").status_code == 404
    assert fresh(person.id).notify_reminders


def test_messages_nobody_can_opt_out_of_have_no_such_link(app, client, person, inbox):
    Auth(client).post("/password-reset", {"email": EMAIL})
    [reset] = inbox.to(EMAIL)
    assert reset["List-Unsubscribe"] is None and reset["List-Unsubscribe-Post"] is None
    assert "/unsubscribe/" not in inbox.body(reset) and "/unsubscribe/" not in inbox.html(reset)
