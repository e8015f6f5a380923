"""The session cookie is sent again only when the session changes (``SESSION_REFRESH_EACH_REQUEST`` off): the
time of the last request in it moves at most once a minute (``auth.sessions.REFRESH_SECONDS``), and the idle
and absolute limits are still checked on the server from what the cookie and the session's row say."""

from __future__ import annotations

import pytest

from literacy.auth import sessions
from literacy.models import User

from .test_sessions import EMAIL, Clock, reason_signed_out, sent_to_sign_in, signed_in


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(sessions, "utcnow", clock)
    return clock


@pytest.fixture
def person(make_user) -> User:
    return make_user(EMAIL, name="Sam Example")


def session_cookies(response) -> list[str]:
    return [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]


def seen(client) -> int:
    with client.session_transaction() as session:
        return session[sessions.LAST_SEEN]


def test_the_cookie_is_sent_again_only_when_the_time_of_the_last_request_moves(app, client, auth, person, clock):
    assert app.config["SESSION_REFRESH_EACH_REQUEST"] is False
    assert session_cookies(auth.sign_in(EMAIL)), "signing in sets the cookie"
    assert session_cookies(client.get("/account")), "the page shows the welcome once and forgets it: a change"
    signed = seen(client)
    clock.advance(seconds=30)
    quiet = client.get("/account")
    assert signed_in(quiet) and session_cookies(quiet) == [], "nothing changed, so no cookie was sent"
    clock.advance(seconds=29)
    assert session_cookies(client.get("/modules")) == [] and seen(client) == signed
    clock.advance(seconds=2)  # a minute since the time in the cookie
    moved = client.get("/account")
    assert signed_in(moved) and len(session_cookies(moved)) == 1
    assert seen(client) == int(clock.now.timestamp()) == signed + 61


def test_a_cookie_not_sent_again_still_ends_when_idle(app, client, auth, person, clock):
    """Requests within a minute do not move the time in the cookie (as before, when the same time was sent
    again), so the idle limit counts from the last time written: at most a minute before the last request."""
    auth.sign_in(EMAIL)
    client.get("/account")  # the welcome shown (a change to the session), at the time written at sign-in
    written = clock.now
    for _ in range(3):
        clock.advance(seconds=15)
        assert session_cookies(client.get("/account")) == []
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    clock.now = written + sessions.idle_limit()
    assert signed_in(client.get("/account")), "the idle limit itself is still allowed (and moves the time)"
    clock.advance(seconds=1)
    assert sent_to_sign_in(copy.get("/account")), "idle since the time written, though it was used since"
    assert reason_signed_out(copy) == "idle"
    clock.advance(minutes=119, seconds=59)
    assert signed_in(client.get("/account")), "two hours since the time the last request wrote"
    clock.advance(minutes=120, seconds=1)
    assert sent_to_sign_in(client.get("/account"))
    assert reason_signed_out(client) == "idle"


def test_a_busy_session_whose_cookie_is_rarely_sent_still_ends_at_its_lifetime(client, auth, person, clock):
    auth.sign_in(EMAIL)
    for _ in range(12 * 4 - 1):
        clock.advance(minutes=15)
        response = client.get("/account")
        assert signed_in(response) and len(session_cookies(response)) == 1, "each moves the time in the cookie"
    clock.advance(minutes=15, seconds=1)
    assert sent_to_sign_in(client.get("/account"))
    assert reason_signed_out(client) == "expired"


def test_signing_out_sends_the_cookie_that_forgets_the_session(client, auth, person, clock):
    auth.sign_in(EMAIL)
    client.get("/account")
    clock.advance(seconds=5)
    response = auth.sign_out()
    assert session_cookies(response), "the cookie without the session id is sent at once"
    assert sent_to_sign_in(client.get("/account"))
