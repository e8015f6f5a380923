"""Signing in and out: hashing, one message for every failure, rate limits, cookies and CSRF."""

from __future__ import annotations

from literacy.extensions import db
from literacy.models import User

from .conftest import csrf_token

FAILURE = "Enter a correct email address and password"


def test_passwords_are_stored_hashed(make_user):
    user = make_user("h@example.org", password="a long secret phrase")
    stored = db.session.get(User, user.id).password_hash
    assert "a long secret phrase" not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))


def test_sign_in_and_out(client, auth, make_user):
    make_user("p@example.org")
    response = auth.sign_in("p@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Sign out" in client.get("/").get_data(as_text=True)
    response = auth.sign_out()
    assert response.status_code == 302
    assert 'href="/sign-in"' in client.get("/").get_data(as_text=True)


def test_email_is_case_insensitive(auth, make_user):
    make_user("case@example.org")
    assert auth.sign_in("  Case@Example.ORG ").status_code == 302


def test_same_message_for_unknown_email_and_wrong_password(auth, make_user):
    make_user("known@example.org")
    wrong_password = auth.sign_in("known@example.org", "not the password").get_data(as_text=True)
    unknown_email = auth.sign_in("nobody@example.org", "not the password").get_data(as_text=True)
    assert FAILURE in wrong_password and FAILURE in unknown_email
    assert "<title>Error: Sign in" in wrong_password


def test_disabled_account_cannot_sign_in(auth, make_user):
    user = make_user("off@example.org")
    user.is_enabled = False
    db.session.commit()
    assert FAILURE in auth.sign_in("off@example.org").get_data(as_text=True)


def test_missing_fields_are_listed_in_an_error_summary_and_the_email_is_kept(client):
    token = csrf_token(client)
    page = client.post("/sign-in", data={"email": "kept@example.org", "password": "", "csrf_token": token})
    text = page.get_data(as_text=True)
    assert "There is a problem" in text and 'href="#password"' in text and "Enter your password" in text
    assert 'value="kept@example.org"' in text


def test_sign_in_form_requires_csrf(client, make_user):
    make_user("csrf@example.org")
    response = client.post("/sign-in", data={"email": "csrf@example.org", "password": "correct horse battery"})
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)


def test_sign_out_requires_post_with_csrf(client, auth, make_user):
    make_user("out@example.org")
    auth.sign_in("out@example.org")
    assert client.post("/sign-out").status_code == 400
    assert "Sign out" in client.get("/").get_data(as_text=True)


def test_next_only_goes_to_this_site(client, make_user):
    make_user("n@example.org")
    token = csrf_token(client)
    data = {"email": "n@example.org", "password": "correct horse battery", "csrf_token": token}
    response = client.post("/sign-in?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"
    client.get("/sign-out")
    response = client.post("/sign-in?next=/help", data={**data, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] in ("/help", "/")


def test_rate_limit_per_account(client, make_user):
    make_user("target@example.org")
    token = csrf_token(client)
    for address in range(5):  # five different addresses, one account
        client.post(
            "/sign-in",
            data={"email": "target@example.org", "password": "wrong", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"10.0.0.{address}"},
        )
    response = client.post(
        "/sign-in",
        data={"email": "target@example.org", "password": "correct horse battery", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_rate_limit_per_address(client, app):
    app.config["SIGN_IN_LIMIT_ADDRESS"] = "3 per minute"
    token = csrf_token(client)
    for number in range(3):  # different accounts, one address
        client.post("/sign-in", data={"email": f"p{number}@example.org", "password": "x", "csrf_token": token})
    response = client.post("/sign-in", data={"email": "other@example.org", "password": "x", "csrf_token": token})
    assert response.status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(auth, make_user):
    make_user("often@example.org")
    for _ in range(8):
        assert auth.sign_in("often@example.org").status_code == 302
        auth.sign_out()


def test_session_cookie_is_httponly_lax_and_secure_outside_debug(auth, make_user):
    make_user("c@example.org")
    response = auth.sign_in("c@example.org")
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_cookie_is_not_secure_in_debug(database_url):
    from literacy import create_app

    from .conftest import make_config

    app = create_app(make_config(database_url, DEBUG=True))
    assert app.config["SESSION_COOKIE_SECURE"] is False
