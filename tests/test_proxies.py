"""Behind a reverse proxy: whose address the sign-in limits count, when a request is HTTPS, which host links name.

``LITERACY_TRUSTED_PROXIES`` is the number of proxies in front of the site. With 1, the person's address,
scheme and host come from the values the proxy added to ``X-Forwarded-For``, ``-Proto`` and ``-Host``;
with 0 (the default) those headers are ignored, because anyone can send them. Every request here comes
from the test client's 127.0.0.1, as every request does from a proxy on the same machine.
"""

from __future__ import annotations

import pytest
from flask import jsonify, request, url_for

from literacy import create_app
from literacy.security import STRICT_TRANSPORT_SECURITY, InvalidSetting

from .cohorts_support import make_cohort
from .conftest import PASSWORD, csrf_token, make_app, make_config
from .support.mail import mail_config
from .support.servers import GUNICORN_CONFIG, environment, gunicorn, serving

ONE_PROXY = {"TRUSTED_PROXIES": 1, "SIGN_IN_LIMIT_ADDRESS": "3 per minute"}
NO_PROXY = {"TRUSTED_PROXIES": 0, "SIGN_IN_LIMIT_ADDRESS": "3 per minute"}
one_proxy = pytest.mark.parametrize("app_config", [ONE_PROXY], ids=["one trusted proxy"])
no_proxy = pytest.mark.parametrize("app_config", [NO_PROXY], ids=["no trusted proxy"])

ATTACKER = "203.0.113.9"
PERSON = "198.51.100.7"
PUBLIC_HOST = "literacy.example.gov.uk"


def sign_in(client, email: str, password: str, **headers: str):
    token = csrf_token(client)
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token}, headers=headers)


@pytest.fixture
def seen(app):
    """A page that shows what the application believes about the request."""

    @app.get("/test-proxy")
    def proxy_view():
        return jsonify(
            address=request.remote_addr,
            secure=request.is_secure,
            host=request.host,
            home=url_for("site.home", _external=True),
        )

    def see(client, **headers: str):
        response = client.get("/test-proxy", headers=headers)
        return response.get_json(), response.headers

    return see


@one_proxy
def test_an_attacker_behind_the_proxy_does_not_lock_out_someone_elses_correct_password(client, make_user):
    make_user("person@example.org")
    for number in range(3):  # different accounts from one address: the per-address limit (3 per minute)
        wrong = sign_in(client, f"guess{number}@example.org", "wrong", **{"X-Forwarded-For": ATTACKER})
        assert wrong.status_code == 200
    assert sign_in(client, "guess9@example.org", "wrong", **{"X-Forwarded-For": ATTACKER}).status_code == 429
    # Values the attacker puts before the proxy's own are theirs, not the proxy's: still limited.
    forged = {"X-Forwarded-For": f"192.0.2.1, {ATTACKER}"}
    assert sign_in(client, "guess10@example.org", "wrong", **forged).status_code == 429
    # Someone else, through the same proxy, signs in.
    response = sign_in(client, "person@example.org", PASSWORD, **{"X-Forwarded-For": PERSON})
    assert response.status_code == 302


@no_proxy
def test_without_a_trusted_proxy_a_forged_forwarded_for_cannot_escape_the_limit(client):
    statuses = [
        sign_in(client, f"guess{number}@example.org", "wrong", **{"X-Forwarded-For": f"192.0.2.{number}"}).status_code
        for number in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


@no_proxy
def test_without_a_trusted_proxy_the_forwarded_headers_are_ignored(client, seen):
    seen_by_app, headers = seen(
        client, **{"X-Forwarded-For": ATTACKER, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    )
    assert seen_by_app == {"address": "127.0.0.1", "secure": False, "host": "localhost", "home": "http://localhost/"}
    assert "Strict-Transport-Security" not in headers


@one_proxy
def test_a_trusted_proxy_gives_the_persons_address_scheme_and_host(client, seen):
    forwarded = {"X-Forwarded-For": PERSON, "X-Forwarded-Proto": "https", "X-Forwarded-Host": PUBLIC_HOST}
    seen_by_app, headers = seen(client, **forwarded)
    assert seen_by_app == {"address": PERSON, "secure": True, "host": PUBLIC_HOST, "home": f"https://{PUBLIC_HOST}/"}
    assert headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY


@one_proxy
def test_a_trusted_proxy_over_plain_http_gets_no_hsts(client, seen):
    seen_by_app, headers = seen(client, **{"X-Forwarded-For": PERSON, "X-Forwarded-Proto": "http"})
    assert seen_by_app["secure"] is False and "Strict-Transport-Security" not in headers
    assert "Strict-Transport-Security" not in client.get("/").headers  # no X-Forwarded-Proto: as it came


@one_proxy
def test_port_and_prefix_headers_are_not_believed_even_from_the_proxy(client, seen):
    seen_by_app, _ = seen(
        client,
        **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": PUBLIC_HOST, "X-Forwarded-Port": "8443",
           "X-Forwarded-Prefix": "/elsewhere"},
    )
    assert seen_by_app["home"] == f"https://{PUBLIC_HOST}/"


def test_https_straight_to_the_site_gets_hsts_and_plain_http_does_not(client):
    assert client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"] == (
        STRICT_TRANSPORT_SECURITY
    )
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.parametrize("app_config", [{"SECURE_COOKIES": "false"}], ids=["cookies not marked secure"])
def test_hsts_follows_the_request_not_the_cookie_setting(app, client):
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert "Strict-Transport-Security" in client.get("/", base_url="https://localhost").headers


def test_no_hsts_in_debug_even_over_https(database_url):
    app = make_app(make_config(database_url, DEBUG=True))
    assert "Strict-Transport-Security" not in app.test_client().get("/", base_url="https://localhost").headers


@pytest.mark.parametrize("app_config", [ONE_PROXY, NO_PROXY], ids=["trusted", "untrusted"])
def test_redirects_name_no_host(client):
    response = client.get("/my-learning", headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def invite_through_proxy(app, auth, inbox, make_organisation, make_user, headers: dict[str, str]) -> str:
    """A manager invites someone through the proxy; the emailed message's text."""
    app.config.update(mail_config(inbox))
    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=organisation, roles=("manager",))
    cohort = make_cohort(organisation, "Autumn")
    auth.sign_in("manager@a.example")
    response = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/members/add", {"emails": "new.person@a.example"}, headers=headers
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    (message,) = inbox.to("new.person@a.example")
    return inbox.body(message)


@one_proxy
def test_emailed_links_name_the_public_host_a_trusted_proxy_gives(app, auth, inbox, make_organisation, make_user):
    # A browser sends the page it came from; over HTTPS the form's CSRF check insists it is this site.
    headers = {
        "X-Forwarded-For": PERSON,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": PUBLIC_HOST,
        "Referer": f"https://{PUBLIC_HOST}/organisations/org-a/cohorts",
    }
    body = invite_through_proxy(app, auth, inbox, make_organisation, make_user, headers)
    assert f"https://{PUBLIC_HOST}/invitations/" in body


@no_proxy
def test_a_forged_host_never_reaches_emailed_links(app, auth, inbox, make_organisation, make_user):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    body = invite_through_proxy(app, auth, inbox, make_organisation, make_user, headers)
    assert "evil.example" not in body and "http://localhost/invitations/" in body


@pytest.mark.parametrize("value", ["one", "-1", "1.5", "", " "])
def test_an_unreadable_number_of_proxies_stops_the_factory(database_url, value):
    with pytest.raises(InvalidSetting, match="LITERACY_TRUSTED_PROXIES must be the number of reverse proxies"):
        create_app(make_config(database_url, TRUSTED_PROXIES=value))


def test_the_number_of_proxies_comes_from_the_environment(monkeypatch, database_url):
    monkeypatch.setenv("LITERACY_TRUSTED_PROXIES", "2")
    app = create_app(make_config(database_url))
    assert app.wsgi_app.x_for == app.wsgi_app.x_proto == app.wsgi_app.x_host == 2
    assert app.wsgi_app.x_port == app.wsgi_app.x_prefix == 0
    monkeypatch.setenv("LITERACY_TRUSTED_PROXIES", "two")
    with pytest.raises(InvalidSetting, match="not 'two'"):
        create_app(make_config(database_url))


def test_without_a_secret_key_a_trusted_proxy_changes_nothing(monkeypatch, tmp_path):
    monkeypatch.delenv("LITERACY_SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'never.sqlite3'}", "TRUSTED_PROXIES": 1})
    assert app.test_client().get("/healthz", headers={"X-Forwarded-For": PERSON}).status_code == 500
    assert not (tmp_path / "never.sqlite3").exists()


@pytest.mark.slow
@pytest.mark.parametrize(("proxies", "secure"), [("0", False), ("1", True)])
def test_under_gunicorn_only_the_setting_decides_whether_a_request_is_https(tmp_path, proxies, secure):
    # gunicorn itself believes X-Forwarded-Proto from 127.0.0.1; with its literacy config it leaves that to us.
    env = environment(tmp_path, LITERACY_TRUSTED_PROXIES=proxies)
    with serving(gunicorn("-c", GUNICORN_CONFIG, "--workers", "1"), tmp_path, env) as server:
        # a page of the site's (the probes, /healthz among them, are answered in front of its headers)
        _status, headers, _body = server.get("/help", {"X-Forwarded-Proto": "https"})
    assert ("Strict-Transport-Security" in headers) is secure
