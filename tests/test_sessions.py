"""Sessions that really end (literacy/auth/sessions.py): a copied cookie stops working when its session
ends, for GET and POST alike; sessions time out when idle and after their lifetime; the remember-me cookie
is never issued or honoured; the account is loaded in one query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import event, select

from literacy.account.service import set_enabled
from literacy.auth import sessions
from literacy.extensions import db
from literacy.models import AuditEvent, User, UserSession

from .conftest import Auth, csrf_token

EMAIL = "sam@example.org"


class Clock:
    """The sessions' idea of now, moved by the test (``literacy.auth.sessions.utcnow``)."""

    def __init__(self) -> None:
        self.now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(sessions, "utcnow", clock)
    return clock


@pytest.fixture
def person(make_user) -> User:
    return make_user(EMAIL, name="Sam Example")


def copy_of(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def signed_in(response) -> bool:
    return response.status_code == 200


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def reason_signed_out(client) -> str | None:
    with client.session_transaction() as session:
        return session.get(sessions.SIGNED_OUT)


def test_a_copied_cookie_is_refused_after_signing_out_for_get_and_post(app, client, auth, person):
    auth.sign_in(EMAIL)
    copy = copy_of(app, client)
    assert signed_in(copy.get("/account")), "the copy works while the session is open"
    token = csrf_token(copy)  # what a thief holding the copy would post with
    cookie = copy.get_cookie("session").value
    auth.sign_out()

    refused = copy.post("/account/name", data={"name": "Mallory", "csrf_token": token})
    assert sent_to_sign_in(refused)
    db.session.expire_all()
    assert db.session.get(User, person.id).name == "Sam Example", "the POST was not performed"
    assert reason_signed_out(copy) == "ended"
    copy.set_cookie("session", cookie)  # the thief tries the copy again, for a page this time
    assert sent_to_sign_in(copy.get("/account"))
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == person.id))
    assert row.ended_at is not None and row.end_reason == sessions.SIGN_OUT


@pytest.mark.parametrize(
    ("path", "data"),
    [("/account/language", {"language": "cy"}), ("/account/sign-out-other-devices", {})],
)
def test_a_copied_cookie_is_refused_for_any_change_after_signing_out(app, client, auth, person, path, data):
    """The copy keeps a valid CSRF token (it is in the copied cookie), so the ended session is what refuses."""
    auth.sign_in(EMAIL)
    copy = copy_of(app, client)
    token = csrf_token(copy)
    auth.sign_out()
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    assert sent_to_sign_in(copy.post(path, data={**data, "csrf_token": token}))
    db.session.expire_all()
    assert db.session.get(User, person.id).locale is None
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events, "nothing was done"


def test_the_sign_in_page_says_once_why_a_session_ended(app, client, auth, person):
    auth.sign_in(EMAIL)
    copy = copy_of(app, client)
    auth.sign_out()
    copy.get("/account")
    first = copy.get("/sign-in").get_data(as_text=True)
    assert 'class="notification' in first and "signed out" in first
    assert reason_signed_out(copy) is None
    again = copy.get("/sign-in").get_data(as_text=True)
    assert 'class="notification' not in again


def test_signing_out_oneself_leaves_no_message(client, auth, person):
    auth.sign_in(EMAIL)
    auth.sign_out()
    assert reason_signed_out(client) is None
    assert sent_to_sign_in(client.get("/account"))
    assert reason_signed_out(client) is None  # not signed in at all: nothing ended by itself


def test_a_session_ends_after_two_hours_without_a_request(client, auth, person, clock):
    auth.sign_in(EMAIL)
    clock.advance(minutes=119)
    assert signed_in(client.get("/account"))
    clock.advance(minutes=119)  # two hours since sign-in and more, but under two since the last request
    assert signed_in(client.get("/account"))
    clock.advance(minutes=121)
    assert sent_to_sign_in(client.get("/account"))
    assert reason_signed_out(client) == "idle"
    clock.advance(minutes=1)
    assert sent_to_sign_in(client.get("/account")), "an idle session does not come back"


def test_an_idle_copy_is_refused_even_while_another_copy_is_in_use(app, client, auth, person, clock):
    """The time of the last request is in each copy of the cookie; an idle one cannot be woken up."""
    auth.sign_in(EMAIL)
    copy = copy_of(app, client)
    for _ in range(3):
        clock.advance(minutes=60)
        assert signed_in(client.get("/account"))
    assert sent_to_sign_in(copy.get("/account"))
    assert reason_signed_out(copy) == "idle"


def test_the_idle_time_is_a_setting(app, client, auth, person, clock):
    app.config["SESSION_IDLE_MINUTES"] = 30
    auth.sign_in(EMAIL)
    clock.advance(minutes=29)
    assert signed_in(client.get("/account"))
    clock.advance(minutes=31)
    assert sent_to_sign_in(client.get("/account"))


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(client, auth, person, clock):
    auth.sign_in(EMAIL)
    for _ in range(11):
        clock.advance(hours=1)
        assert signed_in(client.get("/account"))
    clock.advance(minutes=59)
    assert signed_in(client.get("/account"))
    clock.advance(minutes=2)
    assert sent_to_sign_in(client.get("/account"))
    assert reason_signed_out(client) == "expired"
    assert sessions.open_sessions(person, clock.now) == [], "an expired session no longer counts as open"


def test_the_lifetime_is_a_setting(app, client, auth, person, clock):
    app.config["SESSION_LIFETIME_HOURS"] = 1
    auth.sign_in(EMAIL)
    clock.advance(minutes=59)
    assert signed_in(client.get("/account"))
    clock.advance(minutes=2)
    assert sent_to_sign_in(client.get("/account"))


def test_the_cookie_lasts_the_session_lifetime_not_flasks_31_days(app, client, person):
    response = Auth(client).sign_in(EMAIL)
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    left = expires - datetime.now(UTC)
    assert timedelta(hours=11, minutes=55) < left <= timedelta(hours=12)
    assert app.permanent_session_lifetime == timedelta(hours=12)


def test_no_remember_me_cookie_is_ever_issued(client, auth, person):
    response = auth.sign_in(EMAIL)
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert client.get_cookie("remember_token") is None
    for path in ("/account", "/"):
        response = client.get(path)
        assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


def test_a_remember_me_cookie_is_never_honoured(app, person):
    """Flask-Login would sign someone in from a signed remember-me cookie holding only the account id; the
    loader accepts an account only with a live session id, so a forged (or stolen) one does nothing."""
    stranger = app.test_client()
    stranger.set_cookie("remember_token", encode_cookie(str(person.id)))
    assert sent_to_sign_in(stranger.get("/account"))
    assert "Sam Example" not in stranger.get("/").get_data(as_text=True)


def test_signing_out_everywhere_else_ends_the_others_and_keeps_this_one(app, client, auth, person):
    auth.sign_in(EMAIL)
    laptop, phone = app.test_client(), app.test_client()
    Auth(laptop).sign_in(EMAIL)
    Auth(phone).sign_in(EMAIL)
    assert sign_out_from(client) == 2
    assert signed_in(client.get("/account"))
    for other in (laptop, phone):
        assert sent_to_sign_in(other.get("/account"))
        assert reason_signed_out(other) == "ended"
    reasons = db.session.scalars(select(UserSession.end_reason).where(UserSession.ended_at.is_not(None))).all()
    assert reasons == [sessions.EVERYWHERE, sessions.EVERYWHERE]


def sign_out_from(client) -> int:
    """Sign out of all other devices from ``client``'s browser; how many sessions that ended."""
    before = db.session.scalar(select(db.func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None)))
    assert Auth(client).post("/account/sign-out-other-devices").status_code == 302
    db.session.expire_all()
    after = db.session.scalar(select(db.func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None)))
    return before - after


def test_deactivation_ends_every_session_and_sign_in_is_refused(app, client, auth, person):
    auth.sign_in(EMAIL)
    other = app.test_client()
    Auth(other).sign_in(EMAIL)
    set_enabled(None, db.session.get(User, person.id), False)
    db.session.commit()
    for browser in (client, other):
        assert sent_to_sign_in(browser.get("/account"))
    assert Auth(app.test_client()).sign_in(EMAIL).status_code == 200, "the sign-in form is shown again"
    assert sessions.open_sessions(person) == []
    reasons = set(db.session.scalars(select(UserSession.end_reason)))
    assert reasons == {sessions.DEACTIVATED}


def test_a_deactivated_account_is_refused_even_with_a_session_that_was_not_ended(app, client, auth, person):
    """Belt and braces: the loader checks the account is enabled, whoever switched it off and how."""
    auth.sign_in(EMAIL)
    db.session.get(User, person.id).is_enabled = False
    db.session.commit()
    assert sent_to_sign_in(client.get("/account"))


def test_ending_sessions_in_a_service_needs_no_request(app, client, auth, person):
    auth.sign_in(EMAIL)
    user = db.session.get(User, person.id)
    # outside a request there is no "this browser": everything ends
    assert sessions.end_all(user, sessions.PASSWORD_RESET, keep_current=True) == 1
    db.session.commit()
    assert sent_to_sign_in(client.get("/account"))


def test_the_session_id_is_stored_only_as_a_hash(client, auth, person):
    auth.sign_in(EMAIL)
    with client.session_transaction() as session:
        raw = session[sessions.SESSION_ID]
    row = db.session.scalar(select(UserSession))
    assert row.token_hash == sessions.token_hash(raw) and raw not in row.token_hash


def statements_during(request) -> list[str]:  # noqa: ANN001 - a callable that makes one request
    found: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, PLR0913
        found.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert request().status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return found


def test_the_signed_in_account_is_loaded_in_one_query(app, client, auth, person, clock):
    auth.sign_in(EMAIL)
    anonymous = statements_during(lambda: app.test_client().get("/help"))
    signed = statements_during(lambda: client.get("/help"))
    loading = [s for s in signed if "user_session" in s]
    assert len(loading) == 1 and "JOIN user_session" in loading[0], signed
    assert len(signed) - len(anonymous) <= 2, signed  # the loader, and the header's navigation (memberships)
    clock.advance(minutes=5)  # the time of the last request is refreshed in the cookie, not the database
    refreshed = statements_during(lambda: client.get("/help"))
    assert len(refreshed) == len(signed) and not [s for s in refreshed if not s.startswith("SELECT")]
