"""Single sign-on with OpenID Connect: which provider serves an address, the Authlib clients, and the rules
for turning a provider's ID token into a signed-in account.

The flow itself (authorization code with PKCE, ``state`` and ``nonce``, the ID token's signature checked
against the provider's JWKS, its issuer, audience and expiry) is Authlib's; ``check_claims`` repeats the
checks that decide who someone is, against the provider row, so a provider whose settings changed between
the redirect and the callback is refused rather than trusted.

Linking rules: a provider identity (issuer + subject) is linked to an existing account only when the
provider asserts ``email_verified: true`` for an address that matches it, or when the signed-in person links
it themselves from their account. An unverified email claim never links, creates or signs anyone in.

Functions that write add to the database session; the view commits once.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..memberships import grant_role
from ..models import IdentityProvider, Organisation, Role, User, UserIdentity, user_by_email, utcnow
from .service import create_user

SCOPES = "openid email profile"
LEEWAY_SECONDS = 120  # clock difference allowed between this site and the provider
SESSION_PROVIDER = "sso_provider"  # Flask session key: the provider this session signed in through
REGISTRY = "literacy_sso"  # app.extensions key of this app's Authlib registry


#: why a sign-in through a provider was refused, and what the person is told
REASONS: dict[str, Any] = {
    "invalid": _l(
        "Your work account's sign-in could not be checked, so you have not been signed in. "
        "Start again from the sign-in page."
    ),
    "unavailable": _l(
        "Signing in with this work account is not working at the moment. Try again later, or ask your "
        "organisation's administrator."
    ),
    "no_email": _l("Your work account did not tell us your email address, so you have not been signed in."),
    "domain": _l(
        "Your work account's email address is not one this sign-in option is for. Use the sign-in option "
        "for your own organisation."
    ),
    "unverified": _l(
        "Your work account did not confirm that your email address is verified, so we cannot match it to "
        "an account. Sign in with your password and link your work account from your account page."
    ),
    "not_invited": _l("There is no account for your email address yet. Ask your organisation's manager to invite you."),
    "deactivated": _l("Enter a correct email address and password"),  # the sign-in page's usual refusal
    "linked_elsewhere": _l("That work account is already linked to another account."),
}


class Refused(Exception):
    """A sign-in through a provider that must not go ahead; ``reason`` is a key of ``REASONS``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return str(REASONS[self.reason])


# --- providers ---


def normalise_issuer(issuer: str) -> str:
    return issuer.strip().rstrip("/")


def normalise_domains(text: str) -> list[str]:
    """Email domains typed one per line or separated by commas or spaces, lower-cased, without "@"."""
    found: list[str] = []
    for part in text.replace(",", " ").split():
        domain = part.strip().lstrip("@").lower()
        if domain and domain not in found:
            found.append(domain)
    return found


def domain_of(email: str) -> str:
    return email.strip().lower().rpartition("@")[2]


def enabled_providers() -> list[IdentityProvider]:
    """Providers anyone may sign in with now: switched on, of an organisation that is not archived."""
    query = (
        select(IdentityProvider)
        .join(Organisation, Organisation.id == IdentityProvider.organisation_id)
        .where(IdentityProvider.is_enabled.is_(True))
        .order_by(IdentityProvider.name, IdentityProvider.id)
    )
    if hasattr(Organisation, "archived_at"):
        query = query.where(Organisation.archived_at.is_(None))
    return list(db.session.scalars(query))


def enabled_provider(provider_id: int) -> IdentityProvider | None:
    return next((p for p in enabled_providers() if p.id == provider_id), None)


def provider_for_email(email: str) -> IdentityProvider | None:
    """The enabled provider that serves this address's domain (a domain is served by one provider)."""
    domain = domain_of(email)
    if not domain:
        return None
    return next((p for p in enabled_providers() if domain in (p.email_domains or [])), None)


def domain_taken(domains: list[str], *, except_provider: IdentityProvider | None = None) -> str | None:
    """The first of ``domains`` another provider already serves (one domain, one provider), or None."""
    query = select(IdentityProvider)
    if except_provider is not None and except_provider.id is not None:
        query = query.where(IdentityProvider.id != except_provider.id)
    served = {domain for provider in db.session.scalars(query) for domain in provider.email_domains or []}
    return next((domain for domain in domains if domain in served), None)


def sso_required_for_domain(email: str) -> bool:
    """Whether this address's domain belongs to an organisation that requires its work accounts.

    Depends on the address only, never on whether an account exists, so saying so reveals nothing.
    """
    provider = provider_for_email(email)
    return provider is not None and provider.organisation.sso_required


def sso_required_for(user: User) -> bool:
    """Whether ``user`` belongs to an organisation that refuses password sign-in for its members."""
    return any(m.organisation.sso_required for m in user.memberships)


def password_refused(email: str, user: User | None) -> bool:
    """Password sign-in is refused for an address in an SSO-required organisation's domains, and for a
    member of such an organisation (``user``: the account, only once its password was found correct)."""
    return sso_required_for_domain(email) or (user is not None and sso_required_for(user))


# --- the Authlib clients ---


@dataclass(frozen=True)
class _Settings:
    issuer: str
    client_id: str
    client_secret: str | None


def registry(app: Flask | None = None) -> OAuth:
    """This app's Authlib registry (a fresh one per app, so tests' apps never share clients)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(REGISTRY)
    if found is None:
        found = app.extensions[REGISTRY] = {"oauth": OAuth(app), "settings": {}}
    return found["oauth"]


def client_for(provider: IdentityProvider):
    """The Authlib client for a provider row, built from the row and its secret's environment variable.

    Kept per app while the row's issuer, client id and secret stay the same, so discovery and the JWKS are
    fetched once per issuer; a changed row gets a new client.
    """
    oauth = registry()
    cache: dict[str, _Settings] = current_app.extensions[REGISTRY]["settings"]
    name = f"provider{provider.id}"
    secret = os.environ.get(provider.client_secret_env) if provider.client_secret_env else None
    settings = _Settings(normalise_issuer(provider.issuer), provider.client_id, secret or None)
    if cache.get(name) != settings:
        oauth._clients.pop(name, None)  # Authlib keeps the first client made under a name
        oauth.register(
            name,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            server_metadata_url=settings.issuer + "/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "timeout": 10},
        )
        cache[name] = settings
    return oauth.create_client(name)


def secret_missing(provider: IdentityProvider) -> bool:
    """A provider row names a secret's environment variable that is not set (a confidential client
    without its secret); a row naming none is a public client that relies on PKCE alone."""
    return bool(provider.client_secret_env) and not os.environ.get(provider.client_secret_env)


def end_session_endpoint(provider: IdentityProvider) -> str | None:
    """The provider's RP-initiated sign-out address, when its discovery document advertises one."""
    try:
        metadata = client_for(provider).load_server_metadata()
    except Exception:  # noqa: BLE001 - the provider being unreachable only means no link is offered
        return None
    endpoint = metadata.get("end_session_endpoint")
    return endpoint if isinstance(endpoint, str) and endpoint.startswith(("https://", "http://")) else None


# --- the rules ---


def check_claims(provider: IdentityProvider, claims: dict[str, Any], now: float | None = None) -> None:
    """Refuse (``Refused("invalid")``) an ID token not issued by this provider for this client, or expired.

    Authlib has checked the signature and these already; this checks them against the provider row.
    """
    now = time.time() if now is None else now
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    expires = claims.get("exp")
    if (
        claims.get("iss") != normalise_issuer(provider.issuer)
        or provider.client_id not in audiences
        or (len(audiences) > 1 and claims.get("azp") != provider.client_id)
        or not isinstance(expires, int | float)
        or isinstance(expires, bool)
        or expires < now - LEEWAY_SECONDS
        or not isinstance(claims.get("sub"), str)
        or not claims["sub"]
    ):
        raise Refused("invalid")


def _verified_email(claims: dict[str, Any]) -> str | None:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return None
    return email.strip().lower() if claims.get("email_verified") is True else None


def sign_in_with(provider: IdentityProvider, claims: dict[str, Any]) -> User:
    """The account these checked claims sign in to, linking or creating it by the rules above."""
    check_claims(provider, claims)
    issuer, subject = normalise_issuer(provider.issuer), claims["sub"]
    identity = db.session.scalar(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    )
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        if user is None or not user.is_enabled:
            raise Refused("deactivated")
        identity.last_used_at = utcnow()
        user.last_signed_in_at = utcnow()
        return user
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise Refused("no_email")
    if domain_of(email) not in (provider.email_domains or []):
        raise Refused("domain")
    verified = _verified_email(claims)
    if verified is None:
        raise Refused("unverified")
    user = db.session.scalar(user_by_email(verified))
    organisation = db.session.get(Organisation, provider.organisation_id)
    if user is not None:
        if not user.is_enabled:
            raise Refused("deactivated")
        if provider.create_accounts:
            grant_role(user, provider.organisation_id, Role.LEARNER)
    elif provider.create_accounts:
        name = claims.get("name") if isinstance(claims.get("name"), str) and claims["name"].strip() else None
        user = create_user(verified, (name or verified.partition("@")[0])[:200])
        db.session.flush()
        grant_role(user, provider.organisation_id, Role.LEARNER)
        audit.record(None, organisation, "sso.account_created", user, provider=provider.id, email=verified)
    else:
        raise Refused("not_invited")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    link(user, provider, subject, verified, how="verified_email")
    user.last_signed_in_at = utcnow()
    return user


def link(user: User, provider: IdentityProvider, subject: str, email: str, *, how: str) -> UserIdentity:
    """Link a provider identity to ``user`` (the caller has checked it is free), recorded in the audit log."""
    identity = UserIdentity(
        user_id=user.id, issuer=normalise_issuer(provider.issuer), subject=subject, email=email, last_used_at=utcnow()
    )
    db.session.add(identity)
    organisation = db.session.get(Organisation, provider.organisation_id)
    audit.record(user, organisation, "sso.identity_linked", identity, provider=provider.id, how=how)
    return identity


def link_by_owner(user: User, provider: IdentityProvider, claims: dict[str, Any]) -> UserIdentity:
    """The signed-in person links a work account they just signed in to at the provider."""
    check_claims(provider, claims)
    issuer, subject = normalise_issuer(provider.issuer), claims["sub"]
    existing = db.session.scalar(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    )
    if existing is not None:
        if existing.user_id != user.id:
            raise Refused("linked_elsewhere")
        return existing
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    return link(user, provider, subject, email[:254], how="by_owner")


def identities_of(user: User) -> list[UserIdentity]:
    return list(
        db.session.scalars(
            select(UserIdentity).where(UserIdentity.user_id == user.id).order_by(UserIdentity.created_at)
        )
    )


def unlink(user: User, identity_id: int) -> bool:
    """Remove one of ``user``'s own linked identities; False when it is not theirs (nothing changes)."""
    identity = db.session.get(UserIdentity, identity_id)
    if identity is None or identity.user_id != user.id:
        return False
    audit.record(user, None, "sso.identity_unlinked", identity, issuer=identity.issuer)
    db.session.delete(identity)
    return True


def linkable_providers(user: User) -> list[IdentityProvider]:
    """Providers a signed-in person may link: those of their organisations and of their address's domain."""
    organisations = {m.organisation_id for m in user.memberships}
    domain = domain_of(user.email)
    return [p for p in enabled_providers() if p.organisation_id in organisations or domain in (p.email_domains or [])]


# --- site administration ---


def save_provider(actor: User, organisation: Organisation, provider: IdentityProvider | None, **fields: Any):
    """Create (``provider`` None) or change an organisation's provider, recorded in the audit log.

    ``fields``: name, issuer, client_id, client_secret_env, email_domains (a list), create_accounts,
    is_enabled. The caller has checked ``domain_taken``.
    """
    fields["issuer"] = normalise_issuer(fields["issuer"])
    created = provider is None
    if provider is None:
        provider = IdentityProvider(organisation_id=organisation.id)
        db.session.add(provider)
    changed = {key: value for key, value in fields.items() if getattr(provider, key, None) != value}
    for key, value in fields.items():
        setattr(provider, key, value)
    action = "sso.provider_created" if created else "sso.provider_changed"
    audit.record(actor, organisation, action, provider, changed=sorted(changed))
    return provider


def set_sso_required(actor: User, organisation: Organisation, required: bool) -> bool:
    """Require (or stop requiring) work-account sign-in for the organisation's members; False if unchanged."""
    if organisation.sso_required == required:
        return False
    organisation.sso_required = required
    audit.record(actor, organisation, "sso.required_changed", organisation, required=required)
    return True


def providers_of(organisation: Organisation) -> list[IdentityProvider]:
    return list(
        db.session.scalars(
            select(IdentityProvider)
            .where(IdentityProvider.organisation_id == organisation.id)
            .order_by(IdentityProvider.name, IdentityProvider.id)
        )
    )
