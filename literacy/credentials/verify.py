"""Check an Open Badges 3.0 credential: genuine, expired, revoked or invalid, and why.

What it accepts: a VC-JWT (compact JWS) or a credential as JSON. A VC-JWT signed by one of this site's keys
(its ``kid`` names one, see :mod:`.keys`) is checked against that key; one that carries its public key in the
``jwk`` header (as the Open Badges 3.0 samples do) is checked against that key, and the result says the key
proves nothing about who holds it. A JSON credential without a proof is genuine only when it is exactly what
this site issues for that certificate (``credential.json``); embedded Data Integrity proofs
(``eddsa-rdfc-2022`` and the like) are not checked here, so such a credential is reported as one this
service cannot confirm.

Every credential also gets the checks that need no key: the contexts (VC data model 2.0 and Open Badges
3.0), the types of the credential, its issuer, subject and achievement and of the objects in them, the
JWT's registered claims against the credential, ``validFrom`` (not in the future) and ``validUntil`` (not
passed). A credential of this site is then looked up: revoked certificates are reported with the date and
the reason. Status lists of other issuers are not fetched (no request leaves the site for a pasted text).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry
from joserfc.jws import JWSRegistry

from ..models import utcnow
from . import build
from .keys import ALGORITHM, KeysNotConfigured, signing_keys
from .signing import key_url, numeric_date, registered_claims

MAX_LENGTH = 1_000_000
COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
OB_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$")
HEADER_MEMBERS = {"alg", "kid", "typ", "jwk", "cty"}
JWT_TYPES = {"JWT", "vc+jwt", "vc+ld+json+jwt"}
FOREIGN_ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"}
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}
#: a property wherever it appears -> the type each object in it must have
NESTED_TYPES = {
    "issuer": "Profile",
    "parentOrg": "Profile",
    "source": "Profile",
    "creator": "Profile",
    "identifier": "IdentityObject",
    "otherIdentifier": "IdentifierEntry",
    "result": "Result",
    "resultDescription": "ResultDescription",
    "rubricCriterionLevel": "RubricCriterionLevel",
    "evidence": "Evidence",
    "achievement": "Achievement",
    "alignment": "Alignment",
    "endorsement": "EndorsementCredential",
}


class _Registry(JWSRegistry):
    """joserfc's limits, with room for a header that carries an RSA public key (the samples' 2048-bit one
    makes a header of about 500 bytes, over joserfc's default of 512 once encoded)."""

    max_header_length = 8192
    max_payload_length = MAX_LENGTH


class Status(StrEnum):
    GENUINE = "genuine"
    EXPIRED = "expired"
    REVOKED = "revoked"
    INVALID = "invalid"


@dataclass(frozen=True)
class Finding:
    code: str  # stable, for programs and tests: "signature", "expired", "type:issuer" ...
    message: str  # in words, in the language of the request


@dataclass
class Verification:
    status: Status = Status.INVALID
    problems: list[Finding] = field(default_factory=list)  # why it is not genuine, most telling first
    notes: list[Finding] = field(default_factory=list)  # what could not be checked, or how it was
    credential: dict[str, Any] | None = None
    issued_here: bool = False
    certificate_code: str | None = None

    @property
    def reason(self) -> str | None:
        """Why it is not genuine, in words: the first problem, else why it is revoked or expired."""
        if self.problems:
            return self.problems[0].message
        for note in self.notes:
            if note.code in (Status.REVOKED, Status.EXPIRED):
                return note.message
        return None

    @property
    def valid_from(self) -> datetime | None:
        return _moment((self.credential or {}).get("validFrom"))

    @property
    def valid_until(self) -> datetime | None:
        return _moment((self.credential or {}).get("validUntil"))

    @property
    def codes(self) -> list[str]:
        return [problem.code for problem in self.problems]


def _b64json(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def verify(data: str | bytes | dict[str, Any], now: datetime | None = None) -> Verification:
    """Check a pasted or uploaded credential (see the module's description)."""
    result = Verification()
    now = now or utcnow()
    credential: Any
    if isinstance(data, dict):
        credential = data
        signed = False
    else:
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                return _fail(result, "unreadable", _("This is not text: a credential is a JWT or JSON."))
        text = data.strip()
        if len(text) > MAX_LENGTH:
            return _fail(result, "too-large", _("This is too long to be a credential."))
        if text.startswith("{"):
            try:
                credential = json.loads(text)
            except ValueError:
                return _fail(result, "json", _("This is not valid JSON."))
            signed = False
        elif COMPACT.match(text):
            credential = _check_jwt(text, result)
            if credential is None:
                return result
            signed = True
        else:
            return _fail(result, "unreadable",
                         _("This is neither a signed credential (a JWT) nor a credential in JSON."))
    if not isinstance(credential, dict):
        return _fail(result, "json", _("A credential is a JSON object."))
    result.credential = credential
    if not signed:
        _check_unsigned(credential, result)
    _check_structure(credential, result)
    expired = _check_dates(credential, result, now)
    revoked = _check_record(credential, result) if result.issued_here else False
    if result.problems:
        result.status = Status.INVALID
    elif revoked:
        result.status = Status.REVOKED
    elif expired:
        result.status = Status.EXPIRED
    else:
        result.status = Status.GENUINE
    return result


def _fail(result: Verification, code: str, message: str) -> Verification:
    result.problems.append(Finding(code, message))
    result.status = Status.INVALID
    return result


def _our_key(kid: Any) -> str | None:
    """The id of this site's key that ``kid`` names (its URL, or the bare id), else None."""
    if not isinstance(kid, str):
        return None
    try:
        keys = signing_keys().keys
    except KeysNotConfigured:
        return None
    candidate = kid.rstrip("/").rsplit("/", 1)[-1]
    # any host name: the site may have been reached under another one (without LITERACY_SITE_URL), and the
    # signature, checked next, is what proves the key
    path = urlsplit(key_url(candidate)).path
    if candidate in keys and (kid == candidate or urlsplit(kid).path == path):
        return candidate
    return None


def _check_jwt(token: str, result: Verification) -> dict[str, Any] | None:
    """The JWT's payload when its signature holds (the problems in ``result`` otherwise)."""
    head = token.split(".", 1)[0]
    try:
        header = _b64json(head)
    except (ValueError, binascii.Error):
        _fail(result, "jwt-header", _("The JWT's header cannot be read."))
        return None
    if not isinstance(header, dict):
        _fail(result, "jwt-header", _("The JWT's header cannot be read."))
        return None
    extra = sorted(set(header) - HEADER_MEMBERS)
    if extra:
        _fail(result, "jwt-header", _("The JWT's header has members a VC-JWT may not have: %(names)s.",
                                      names=", ".join(extra)))
        return None
    if "typ" in header and header["typ"] not in JWT_TYPES:
        _fail(result, "jwt-header", _("The JWT's type (typ) is not one of a credential."))
        return None
    algorithm = header.get("alg")
    ours = _our_key(header.get("kid"))
    if ours is not None:
        if algorithm != ALGORITHM:
            _fail(result, "signature", _("The JWT names an algorithm this service does not sign with."))
            return None
        key: Any = signing_keys().keys[ours]
        result.issued_here = True
    elif isinstance(header.get("jwk"), dict):
        jwk = header["jwk"]
        if PRIVATE_MEMBERS & set(jwk):
            _fail(result, "jwt-header", _("The JWT's header holds a private key: a credential never does."))
            return None
        if algorithm not in FOREIGN_ALGORITHMS:
            _fail(result, "signature", _("The JWT's signature algorithm is not supported."))
            return None
        try:
            key = JWKRegistry.import_key(jwk)
        except (JoseError, ValueError, TypeError):
            _fail(result, "jwt-header", _("The public key in the JWT's header cannot be read."))
            return None
        result.notes.append(Finding("embedded-key", _(
            "It was signed with the key it carries in its header. That shows it has not been changed since, "
            "but not who signed it: the issuer is not this service.")))
    else:
        _fail(result, "unknown-key", _("It was not signed with a key of this service, and it carries no key "
                                       "of its own that could be checked."))
        return None
    try:
        decoded = jwt.decode(token, key, algorithms=[algorithm], registry=_Registry(algorithms=[algorithm]))
    except (JoseError, ValueError, TypeError):
        result.issued_here = False
        _fail(result, "signature", _("The signature does not match: the credential was changed after it was "
                                     "signed, or signed with another key."))
        return None
    claims = dict(decoded.claims)
    credential = claims.get("vc") if isinstance(claims.get("vc"), dict) else claims
    if credential is claims:
        _check_claims(claims, result)
    if not result.issued_here and _names_this_site(credential):
        result.problems.append(Finding("not-this-issuer", _(
            "It names this service as its issuer, but this service did not sign it.")))
    return credential


def _names_this_site(credential: Any) -> bool:
    """Whether the credential's issuer is one of this site's issuer profiles (whatever the host name)."""
    issuer = credential.get("issuer") if isinstance(credential, dict) else None
    identifier = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(identifier, str):
        return False
    prefix = url_for("credentials.issuer", key="KEY").partition("KEY")[0]
    return urlsplit(identifier).path.startswith(prefix)


def _check_claims(claims: dict[str, Any], result: Verification) -> None:
    """``iss``, ``sub``, ``jti``, ``nbf`` and ``exp`` must say what the credential says."""
    try:
        expected = registered_claims(claims)
    except (KeyError, ValueError, TypeError, AttributeError):
        return  # no or unreadable validFrom: the structure check says so
    for name in ("iss", "jti", "nbf", "sub", "exp"):
        if name in claims and name in expected and claims[name] != expected[name]:
            result.problems.append(Finding("claims", _(
                "The JWT's claim %(name)s does not match the credential.", name=name)))
    if "exp" in expected and "exp" not in claims:
        result.problems.append(Finding("claims", _("The JWT's claim %(name)s does not match the credential.",
                                                   name="exp")))


def _check_unsigned(credential: dict[str, Any], result: Verification) -> None:
    proof = credential.get("proof")
    if proof:
        kinds = []
        for item in proof if isinstance(proof, list) else [proof]:
            if isinstance(item, dict):
                kinds.append(" ".join(str(item.get(k)) for k in ("type", "cryptosuite") if item.get(k)))
        result.problems.append(Finding("unsupported-proof", _(
            "Its proof (%(kind)s) is not one this service can check: it checks credentials signed as a JWT "
            "(VC-JWT), and its own credentials in JSON.", kind="; ".join(kinds) or "?")))
        return
    code = _code_of(credential)
    issued = build.find(code) if code else None
    if issued is not None and _same(build.credential(issued), credential):
        result.issued_here = True
        result.notes.append(Finding("matches-record", _(
            "It has no signature, but it is exactly the credential this service issued for that certificate.")))
        return
    result.problems.append(Finding("no-proof", _(
        "It has no signature, and it is not exactly a credential this service issued. Ask for the signed "
        "credential (the .jwt file).")))


def _same(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    return json.dumps(ours, sort_keys=True) == json.dumps(theirs, sort_keys=True)


def _code_of(credential: dict[str, Any]) -> str | None:
    identifier = credential.get("id")
    if not isinstance(identifier, str):
        return None
    identifier = urlsplit(identifier).path  # any host name, as for the key
    before, _marker, after = url_for("credentials.credential_json", code="CODE").partition("CODE")
    if identifier.startswith(before) and identifier.endswith(after) and len(identifier) > len(before + after):
        code = identifier[len(before):len(identifier) - len(after)]
        return code if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", code) else None
    return None


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _check_structure(credential: dict[str, Any], result: Verification) -> None:
    problems = result.problems
    context = credential.get("@context")
    if not (isinstance(context, list) and len(context) >= 2 and context[0] == build.VC_CONTEXT
            and isinstance(context[1], str) and OB_CONTEXT.match(context[1])):
        problems.append(Finding("context", _(
            "Its @context is not that of an Open Badges 3.0 credential (the W3C credentials v2 context, "
            "then the Open Badges 3.0 one).")))
    types = _types(credential.get("type"))
    if "VerifiableCredential" not in types or not {"OpenBadgeCredential", "AchievementCredential"} & set(types):
        problems.append(Finding("type", _("It is not an Open Badges credential: its type lacks "
                                          "OpenBadgeCredential.")))
    issuer = credential.get("issuer")
    if not issuer or not (isinstance(issuer, str) or (isinstance(issuer, dict) and issuer.get("id"))):
        problems.append(Finding("issuer", _("It does not say who issued it (issuer).")))
    if not isinstance(credential.get("validFrom"), str) or _moment(credential["validFrom"]) is None:
        problems.append(Finding("valid-from", _("It does not say from when it is valid (validFrom).")))
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        problems.append(Finding("subject", _("It does not say whom it was awarded to (credentialSubject).")))
    else:
        if "AchievementSubject" not in _types(subject.get("type")):
            problems.append(Finding("type:credentialSubject", _(
                "Its subject is not of the type AchievementSubject.")))
        if not subject.get("id") and not subject.get("identifier"):
            problems.append(Finding("subject", _("It does not say whom it was awarded to (credentialSubject).")))
        if not isinstance(subject.get("achievement"), dict):
            problems.append(Finding("achievement", _("It does not say what was achieved (achievement).")))
    seen = {problem.code for problem in problems}
    for name, expected in _nested_type_errors(credential):
        code = f"type:{name}"
        if code not in seen:
            seen.add(code)
            problems.append(Finding(code, _("Something in %(property)s is not of the type %(type)s.",
                                            property=name, type=expected)))


def _nested_type_errors(value: Any, depth: int = 0) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if depth > 20:
        return found
    if isinstance(value, dict):
        for name, item in value.items():
            expected = NESTED_TYPES.get(name)
            for element in item if isinstance(item, list) else [item]:
                if expected and isinstance(element, dict) and expected not in _types(element.get("type")):
                    found.append((name, expected))
                found += _nested_type_errors(element, depth + 1)
    elif isinstance(value, list):
        for element in value:
            found += _nested_type_errors(element, depth + 1)
    return found


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _check_dates(credential: dict[str, Any], result: Verification, now: datetime) -> bool:
    """True when it has expired; a validFrom in the future is a problem."""
    start = _moment(credential.get("validFrom"))
    if start is not None and start > now:
        result.problems.append(Finding("not-yet-valid", _("It is not valid yet: it is valid from %(date)s.",
                                                          date=format_date(start, "long"))))
    end = _moment(credential.get("validUntil"))
    if credential.get("validUntil") is not None and end is None:
        result.problems.append(Finding("valid-until", _("Its end date (validUntil) cannot be read.")))
    if end is not None and end <= now:
        result.notes.append(Finding("expired", _("It expired on %(date)s.", date=format_date(end, "long"))))
        return True
    return False


def _check_record(credential: dict[str, Any], result: Verification) -> bool:
    """A credential of this site: True when its certificate is revoked; a problem when there is none."""
    code = _code_of(credential)
    issued = build.find(code) if code else None
    if issued is None:
        result.problems.append(Finding("unknown-certificate", _(
            "It was signed by this service, but no certificate of this service matches it.")))
        return False
    result.certificate_code = issued.certificate.code
    if issued.revoked:
        revoked_at = issued.certificate.revoked_at
        assert revoked_at is not None
        result.notes.append(Finding("revoked", _("It was revoked on %(date)s: %(reason)s",
                                                 date=format_date(revoked_at, "long"),
                                                 reason=issued.certificate.revoked_reason or "")))
        return True
    return False


__all__ = ["Finding", "Status", "Verification", "numeric_date", "verify"]
