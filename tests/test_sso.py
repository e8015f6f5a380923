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


# --- site administration ---


def provider_form(**overrides) -> dict[str, str]:
    form = {
        "name": "Council staff",
        "issuer": "https://login.council.example/tenant/",
        "client_id": "literacy-app",
        "client_secret_env": "LITERACY_SSO_COUNCIL_SECRET",
        "email_domains": "Council.example\n@staff.council.example",
        "create_accounts": "y",
        "is_enabled": "y",
    }
    form.update(overrides)
    return form


def test_a_site_admin_adds_and_changes_a_provider(client, auth, council, make_user):
    make_user("root@example.org", site_admin=True)
    auth.sign_in("root@example.org")
    assert client.get("/admin/organisations/council/identity-providers").status_code == 200
    response = auth.post("/admin/organisations/council/identity-providers/new", provider_form())
    assert response.status_code == 302
    row = db.session.scalar(select(IdentityProvider))
    assert (
        row.issuer == "https://login.council.example/tenant" and row.client_secret_env == "LITERACY_SSO_COUNCIL_SECRET"
    )
    assert row.email_domains == ["council.example", "staff.council.example"] and row.create_accounts
    page = client.get(f"/admin/organisations/council/identity-providers/{row.id}").get_data(as_text=True)
    assert f"http://localhost/sign-in/oidc/{row.id}/callback" in page
    changed = auth.post(
        f"/admin/organisations/council/identity-providers/{row.id}", provider_form(create_accounts="", is_enabled="")
    )
    assert changed.status_code == 302
    db.session.refresh(row)
    assert not row.create_accounts and not row.is_enabled
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["sso.provider_created", "sso.provider_changed"]


def test_the_provider_form_keeps_what_was_typed_and_refuses_a_taken_domain(
    client, auth, council, make_user, make_organisation
):
    other = make_organisation("agency", "Other Agency")
    make_provider("https://idp.agency.example", other, ["agency.example"])
    make_user("root@example.org", site_admin=True)
    auth.sign_in("root@example.org")
    bad = auth.post(
        "/admin/organisations/council/identity-providers/new",
        provider_form(issuer="ftp://nope", client_secret_env="my secret", email_domains="agency.example"),
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "There is a problem" in text and "ftp://nope" in text
    assert "Error:" in text.split("</title>")[0]
    taken = auth.post(
        "/admin/organisations/council/identity-providers/new", provider_form(email_domains="agency.example")
    )
    assert taken.status_code == 400 and "agency.example already has a sign-in option" in taken.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(IdentityProvider.id))) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/admin/organisations/council/identity-providers",
        "/admin/organisations/council/identity-providers/new",
        "/admin/organisations/council/identity-providers/1",
    ],
)
def test_only_site_admins_configure_providers(client, auth, issuer, provider, council, make_user, path):
    assert client.get(path).headers["Location"].startswith("/sign-in?next=")
    make_user("admin@council.example", organisation=council, roles=("org_admin",))
    auth.sign_in("admin@council.example")
    assert client.get(path).status_code == 403
    if not path.endswith("identity-providers"):
        assert auth.post(path, provider_form()).status_code == 403
    assert auth.post("/admin/organisations/council/identity-providers/required", {"required": "yes"}).status_code == 403
    db.session.refresh(council)
    assert not council.sso_required and db.session.scalar(select(db.func.count(IdentityProvider.id))) == 1


def test_another_organisations_provider_is_not_found_under_this_one(
    client, auth, provider, make_organisation, make_user
):
    make_organisation("agency", "Other Agency")
    make_user("root@example.org", site_admin=True)
    auth.sign_in("root@example.org")
    assert client.get(f"/admin/organisations/agency/identity-providers/{provider.id}").status_code == 404
    assert client.get("/admin/organisations/nowhere/identity-providers").status_code == 404


# --- SSO required ---


def test_sso_required_refuses_the_password_with_a_pointer_to_the_work_account(
    client, auth, issuer, provider, council, make_user
):
    member = make_user("pat@council.example", organisation=council)
    outsider = make_user("pat@elsewhere.example", organisation=council)
    make_user("root@example.org", site_admin=True)
    auth.sign_in("root@example.org")
    assert auth.post("/admin/organisations/council/identity-providers/required", {"required": "yes"}).status_code == 302
    auth.sign_out()
    db.session.refresh(council)
    assert council.sso_required
    refused = auth.sign_in(member.email)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "asks you to sign in with your work account" in text
    assert 'href="#work-account"' in text and 'id="work-account"' in text
    # an address in the domain gets the same answer whether or not it has an account, password or not
    assert "asks you to sign in with your work account" in auth.sign_in("nobody@council.example", "x").get_data(
        as_text=True
    )
    # a member outside the domains: a wrong password gets the usual answer (nothing revealed) ...
    wrong = auth.sign_in(outsider.email, "wrong password").get_data(as_text=True)
    assert "Enter a correct email address and password" in wrong and "work account, not a password" not in wrong
    # ... and only the right password learns that the organisation requires work accounts
    assert "work account, not a password" in auth.sign_in(outsider.email).get_data(as_text=True)
    assert signed_in_as(client) is None
    # the work account still works
    sign_in_through(client, issuer, member.email, "pat", email=member.email, email_verified=True)
    assert signed_in_as(client) == member.email


# --- linking from the account page ---


def test_a_signed_in_person_links_and_unlinks_their_work_account(client, auth, issuer, provider, council, make_user):
    person = make_user("quinn@council.example", organisation=council)
    auth.sign_in(person.email)
    page = client.get("/account/linked-accounts").get_data(as_text=True)
    assert "You have no linked work accounts" in page and "Link your Example Council sign-in account" in page
    response = auth.post("/account/linked-accounts/link", {"provider": str(provider.id)}, base_url="http://localhost")
    assert response.status_code == 302
    # the work account's email is unverified and different: linking by the owner does not need it
    put_user(issuer, "quinn-work", email="q.w@council.example")
    done = client.get(at_provider(response.headers["Location"], "quinn-work"))
    assert done.status_code == 302 and done.headers["Location"] == "/account/linked-accounts"
    identity = db.session.scalar(select(UserIdentity).where(UserIdentity.subject == "quinn-work"))
    assert identity.user_id == person.id
    auth.sign_out()
    assert sign_in_through(client, issuer, person.email, "quinn-work").status_code == 302
    assert signed_in_as(client) == person.email
    assert auth.post(f"/account/linked-accounts/{identity.id}/unlink").status_code == 302
    assert db.session.scalar(select(UserIdentity)) is None


def test_nobody_unlinks_or_links_for_someone_else(
    client, auth, issuer, provider, council, make_user, make_organisation
):
    owner = make_user("rae@council.example", organisation=council)
    sign_in_through(client, issuer, owner.email, "rae", email=owner.email, email_verified=True)
    identity = db.session.scalar(select(UserIdentity))
    auth.sign_out()
    assert client.get("/account/linked-accounts").headers["Location"].startswith("/sign-in?next=")
    other_org = make_organisation("agency", "Other Agency")
    other_provider = make_provider("https://idp.agency.example", other_org, ["agency.example"])
    make_user("sol@elsewhere.example", organisation=other_org)
    auth.sign_in("sol@elsewhere.example")
    assert auth.post(f"/account/linked-accounts/{identity.id}/unlink").status_code == 404
    assert auth.post("/account/linked-accounts/link", {"provider": str(provider.id)}).status_code == 404
    assert db.session.get(UserIdentity, identity.id) is not None
    # linking a work account that is already someone else's is refused
    auth.sign_out()
    make_user("tam@council.example", organisation=council)
    auth.sign_in("tam@council.example")
    linking = auth.post("/account/linked-accounts/link", {"provider": str(provider.id)})
    refused = client.get(at_provider(linking.headers["Location"], "rae"))
    assert refused.status_code == 403 and "already linked to another account" in refused.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(UserIdentity.id))) == 1
    assert other_provider.organisation_id == other_org.id
