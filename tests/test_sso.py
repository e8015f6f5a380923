"""Single sign-on through a real local OpenID provider (oidc-provider-mock on a free port).

Every flow goes through the whole redirect dance as a browser would: this site's work-account form sends
the person to the provider's authorize endpoint, the provider (given a subject by form post, as its login
page does) redirects back with a code and ``state``, and this site's callback exchanges the code, checks the
ID token and signs the person in, or refuses. The provider puts a user's extra claims into the ID token, so
a wrong audience, an expired token and an unverified email are real signed tokens from the provider.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import oidc_provider_mock
import pytest
import requests
from sqlalchemy import select

from literacy.auth import sso
from literacy.extensions import db
from literacy.models import AuditEvent, IdentityProvider, Organisation, User, UserIdentity

from .conftest import csrf_token

SECRET_ENV = "LITERACY_TEST_SSO_SECRET"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "not-checked-by-the-mock")


def put_user(issuer: str, sub: str, **claims) -> None:
    response = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=5)
    assert response.status_code == 204


@pytest.fixture
def council(make_organisation) -> Organisation:
    return make_organisation("council", "Example Council")


@pytest.fixture
def provider(issuer, council) -> IdentityProvider:
    return make_provider(issuer, council, ["council.example"], create_accounts=True)


def make_provider(issuer, organisation, domains, *, create_accounts=False, client_id="literacy") -> IdentityProvider:
    row = IdentityProvider(
        organisation_id=organisation.id,
        name=f"{organisation.name} sign-in",
        issuer=issuer,
        client_id=client_id,
        client_secret_env=SECRET_ENV,
        email_domains=domains,
        create_accounts=create_accounts,
    )
    db.session.add(row)
    db.session.commit()
    return row


def start(client, email: str) -> str:
    """Post the work-account form; the provider's authorize URL this site redirects to."""
    response = client.post(
        "/sign-in/work-account", data={"email": email, "csrf_token": csrf_token(client, "/sign-in/work-account")}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def at_provider(authorize_url: str, sub: str) -> str:
    """Sign in at the provider as ``sub``; the callback path (with code and state) it sends the browser to."""
    response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    return f"{location.path}?{location.query}"


def sign_in_through(client, issuer: str, typed: str, sub: str, **claims):
    """Type ``typed`` in the work-account form, sign in at the provider as ``sub`` with ``claims``, come back."""
    put_user(issuer, sub, **claims)
    return client.get(at_provider(start(client, typed), sub))


def signed_in_as(client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    return next((u.email for u in db.session.scalars(select(User)) if u.email in page.get_data(as_text=True)), None)


def test_the_authorize_redirect_carries_pkce_state_nonce_and_the_scopes(client, provider):
    query = parse_qs(urlsplit(start(client, "ann@council.example")).query)
    assert query["response_type"] == ["code"] and query["client_id"] == ["literacy"]
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [f"http://localhost/sign-in/oidc/{provider.id}/callback"]
    assert query["login_hint"] == ["ann@council.example"]


def test_a_first_sign_in_creates_a_verified_learner_account(client, issuer, provider, council):
    response = sign_in_through(
        client, issuer, "ann@council.example", "ann-1", email="Ann@council.example", email_verified=True, name="Ann Ng"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user = db.session.scalar(select(User).where(User.email == "ann@council.example"))
    assert user is not None and user.name == "Ann Ng" and user.is_email_verified and user.password_hash is None
    assert user.roles_in(council.id) == {"learner"}
    identity = db.session.scalar(select(UserIdentity).where(UserIdentity.user_id == user.id))
    assert (identity.issuer, identity.subject) == (issuer, "ann-1")
    assert signed_in_as(client) == "ann@council.example"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"sso.account_created", "sso.identity_linked"} <= actions
    # the second time, the linked identity signs in (whatever the email claim says now)
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    again = sign_in_through(client, issuer, "ann@council.example", "ann-1", email="ann.ng@council.example")
    assert again.status_code == 302 and signed_in_as(client) == "ann@council.example"
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_invited_first_refuses_a_stranger(client, issuer, provider):
    provider.create_accounts = False
    db.session.commit()
    response = sign_in_through(
        client, issuer, "bo@council.example", "bo", email="bo@council.example", email_verified=True
    )
    assert response.status_code == 403
    assert "manager to invite you" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "bo@council.example")) is None
    assert signed_in_as(client) is None


def test_a_verified_matching_email_links_an_existing_account(client, issuer, provider, make_user, council):
    person = make_user("cy@council.example", organisation=council)
    response = sign_in_through(
        client, issuer, "cy@council.example", "cy", email="cy@council.example", email_verified=True
    )
    assert response.status_code == 302 and signed_in_as(client) == "cy@council.example"
    assert db.session.scalar(select(UserIdentity.user_id).where(UserIdentity.subject == "cy")) == person.id


def test_an_unverified_email_claim_never_links_or_creates(client, issuer, provider, make_user, council):
    make_user("di@council.example", organisation=council)
    for verified in (False, "true", None):
        claims = {"email": "di@council.example"} | ({} if verified is None else {"email_verified": verified})
        response = sign_in_through(client, issuer, "di@council.example", "di", **claims)
        assert response.status_code == 403
        assert "did not confirm that your email address is verified" in response.get_data(as_text=True)
    assert db.session.scalar(select(UserIdentity)) is None
    assert signed_in_as(client) is None
    # nor does a stranger's unverified address make an account, even where accounts are made on first sign-in
    sign_in_through(client, issuer, "new@council.example", "new", email="new@council.example")
    assert db.session.scalar(select(User).where(User.email == "new@council.example")) is None


def test_a_domain_of_another_organisation_is_refused(client, issuer, provider, make_organisation, make_user):
    other = make_organisation("agency", "Other Agency")
    make_provider("https://idp.agency.example", other, ["agency.example"])
    victim = make_user("ed@agency.example", organisation=other)
    # the council's provider asserts an agency address: it does not serve that domain
    response = sign_in_through(
        client, issuer, "ed@council.example", "ed", email="ed@agency.example", email_verified=True
    )
    assert response.status_code == 403
    assert "not one this sign-in option is for" in response.get_data(as_text=True)
    assert db.session.scalar(select(UserIdentity).where(UserIdentity.user_id == victim.id)) is None
    assert victim.roles_in(provider.organisation_id) == set()
    # and the work-account form sends an agency address to the agency's provider, never the council's
    assert sso.provider_for_email("ed@agency.example").organisation_id == other.id
    assert signed_in_as(client) is None


def test_a_deactivated_account_cannot_sign_in_through_sso(client, issuer, provider, make_user, council):
    person = make_user("fi@council.example", organisation=council)
    sign_in_through(client, issuer, "fi@council.example", "fi", email="fi@council.example", email_verified=True)
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    person.is_enabled = False
    db.session.commit()
    response = sign_in_through(
        client, issuer, "fi@council.example", "fi", email="fi@council.example", email_verified=True
    )
    assert response.status_code == 403 and signed_in_as(client) is None
    # and not by the email route either (an account not linked yet)
    make_user("gus@council.example", organisation=council).is_enabled = False
    db.session.commit()
    refused = sign_in_through(
        client, issuer, "gus@council.example", "gus", email="gus@council.example", email_verified=True
    )
    assert (
        refused.status_code == 403
        and db.session.scalar(select(UserIdentity).where(UserIdentity.subject == "gus")) is None
    )


def test_a_forged_state_is_refused(client, issuer, provider):
    put_user(issuer, "hal", email="hal@council.example", email_verified=True)
    callback = at_provider(start(client, "hal@council.example"), "hal")
    forged = callback.replace("state=", "state=forged")
    response = client.get(forged)
    assert response.status_code == 400
    assert "could not be checked" in response.get_data(as_text=True)
    # a callback from another browser (no state in its session) is refused too
    stranger = client.application.test_client()
    assert stranger.get(callback).status_code == 400
    assert db.session.scalar(select(User)) is None


def test_a_wrong_audience_is_refused(client, issuer, provider):
    # the provider signs an ID token whose aud is another client's
    response = sign_in_through(
        client,
        issuer,
        "ida@council.example",
        "ida",
        email="ida@council.example",
        email_verified=True,
        aud="someone-else",
    )
    assert response.status_code == 400 and db.session.scalar(select(User)) is None
    with pytest.raises(sso.Refused):
        sso.check_claims(provider, {"iss": issuer, "aud": "someone-else", "exp": time.time() + 60, "sub": "ida"})


def test_an_expired_token_is_refused(client, issuer, provider):
    long_ago = int(time.time()) - 3600
    response = sign_in_through(
        client,
        issuer,
        "jo@council.example",
        "jo",
        email="jo@council.example",
        email_verified=True,
        exp=long_ago,
        iat=long_ago - 60,
    )
    assert response.status_code == 400 and db.session.scalar(select(User)) is None
    with pytest.raises(sso.Refused):
        sso.check_claims(provider, {"iss": issuer, "aud": "literacy", "exp": long_ago, "sub": "jo"})
    sso.check_claims(provider, {"iss": issuer, "aud": "literacy", "exp": time.time() + 60, "sub": "jo"})


def test_another_issuer_is_refused(client, issuer, provider):
    response = sign_in_through(
        client,
        issuer,
        "kim@council.example",
        "kim",
        email="kim@council.example",
        email_verified=True,
        iss="https://evil.example",
    )
    assert response.status_code == 400 and db.session.scalar(select(User)) is None


def test_an_unknown_domain_gets_a_clear_error_and_keeps_what_was_typed(client, provider):
    page = client.post(
        "/sign-in/work-account",
        data={"email": "lee@elsewhere.example", "csrf_token": csrf_token(client, "/sign-in/work-account")},
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "There is a problem" in text and "lee@elsewhere.example" in text
    assert "Error: " in text.split("</title>")[0]


def test_a_missing_secret_is_a_clear_page_not_an_error(client, provider, monkeypatch):
    monkeypatch.delenv(SECRET_ENV)
    response = client.post(
        "/sign-in/work-account",
        data={"email": "mo@council.example", "csrf_token": csrf_token(client, "/sign-in/work-account")},
    )
    assert response.status_code == 503 and "not working at the moment" in response.get_data(as_text=True)


def test_sign_out_offers_the_providers_end_session_url(client, issuer, provider):
    sign_in_through(client, issuer, "ned@council.example", "ned", email="ned@council.example", email_verified=True)
    page = client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sign out of your work account too" in text
    assert f'href="{issuer}/oauth2/end_session?client_id=literacy&amp;post_logout_redirect_uri=http' in text
    assert signed_in_as(client) is None
