"""VC-JWT: a credential signed as a JSON Web Token (Open Badges 3.0 section 8.2, ES256).

The JOSE header has ``alg``, ``kid`` (a URL that answers with the public key as a JWK) and ``typ`` ``JWT``
only. The payload is the credential itself, its properties at the top level, plus the registered claims
that repeat it: ``iss`` (``issuer.id``), ``sub`` (``credentialSubject.id``), ``jti`` (``id``), ``nbf``
(``validFrom``) and ``exp`` (``validUntil``, where there is one). A verifier checks that they agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from joserfc import jwt

from .keys import ALGORITHM, signing_keys
from .urls import absolute

MEDIA_TYPE = "application/vc+jwt"


def key_url(kid: str) -> str:
    return absolute("credentials.key", kid=kid)


def numeric_date(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def registered_claims(credential: dict[str, Any]) -> dict[str, Any]:
    issuer = credential.get("issuer")
    claims: dict[str, Any] = {
        "iss": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "jti": credential.get("id"),
        "nbf": numeric_date(credential["validFrom"]),
    }
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and subject.get("id"):
        claims["sub"] = subject["id"]
    if credential.get("validUntil"):
        claims["exp"] = numeric_date(credential["validUntil"])
    return {name: value for name, value in claims.items() if value is not None}


def sign(credential: dict[str, Any]) -> str:
    keys = signing_keys()
    header = {"alg": ALGORITHM, "kid": key_url(keys.active), "typ": "JWT"}
    return jwt.encode(header, {**credential, **registered_claims(credential)}, keys.signing_key(),
                      algorithms=[ALGORITHM])
