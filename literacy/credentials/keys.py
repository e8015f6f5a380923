"""The keys that sign Open Badges credentials (ES256), from configuration, and their public JWK Set.

``LITERACY_CREDENTIAL_KEYS`` holds the keys themselves, ``LITERACY_CREDENTIAL_KEYS_FILE`` names a file that
holds them (the file wins when both are set): one or more PEM blocks, a JWK, or a JWK Set. Every key is a
P-256 EC key. Each key's id is the JWK's own ``kid`` where it has one (letters, digits, ``-`` and ``_``),
else its RFC 7638 thumbprint. ``LITERACY_CREDENTIAL_KEY_ID`` names the key that signs (default: the first
with a private part); the others only verify, so a key taken out of use keeps its credentials genuine for as
long as it stays in the list (a public key is enough for that).

With none configured, ``--debug`` generates a key once and keeps it in the instance folder
(``instance/credential-signing-key.pem``, readable by its owner only), so credentials issued while developing
still verify tomorrow; the tests get a throwaway key per app. A production site without a key issues no
credentials (the addresses answer 503 and the log says why): the rest of the site works, unlike a missing
secret key, because a credential is an extra that an organisation may not want.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

ALGORITHM = "ES256"
CURVE = "P-256"
DEVELOPMENT_KEY_FILE = "credential-signing-key.pem"
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.S)
NOT_CONFIGURED = (
    "Set LITERACY_CREDENTIAL_KEYS or LITERACY_CREDENTIAL_KEYS_FILE to an ES256 (P-256) key: "
    "this site issues no Open Badges credentials until then."
)


class KeysNotConfigured(RuntimeError):
    """No signing key: a production site without ``LITERACY_CREDENTIAL_KEYS`` (or the keys are unusable)."""


@dataclass(frozen=True)
class SigningKeys:
    keys: dict[str, ECKey]  # by key id, in the configured order
    active: str  # the id of the key that signs

    def signing_key(self) -> ECKey:
        return self.keys[self.active]

    def public_jwks(self, key_url: Any) -> dict[str, Any]:
        """The JWK Set of every key's public part; ``key_url(kid)`` is the ``kid`` each is published under."""
        return {"keys": [public_jwk(key, key_url(kid)) for kid, key in self.keys.items()]}


def public_jwk(key: ECKey, kid: str) -> dict[str, Any]:
    """The public members only (never ``d``), with its ``kid``, ``alg`` and ``use``."""
    public = key.as_dict(private=False)
    return {"kty": public["kty"], "crv": public["crv"], "x": public["x"], "y": public["y"], "kid": kid,
            "alg": ALGORITHM, "use": "sig"}


def parse(text: str, active: str | None = None) -> SigningKeys:
    """The keys in ``text`` (PEM blocks, a JWK or a JWK Set); raises ``KeysNotConfigured`` when unusable."""
    text = text.strip()
    found: dict[str, ECKey] = {}
    try:
        if text.startswith("{"):
            data = json.loads(text)
            for item in data.get("keys", [data]) if isinstance(data, dict) else []:
                key = ECKey.import_key(item)
                _add(found, key, item.get("kid"))
        else:
            for block in PEM_BLOCK.findall(text):
                _add(found, ECKey.import_key(block), None)
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise KeysNotConfigured(f"The credential keys could not be read: {error}") from None
    if not found:
        raise KeysNotConfigured(NOT_CONFIGURED)
    private = [kid for kid, key in found.items() if key.is_private]
    if active:
        if active not in found or active not in private:
            raise KeysNotConfigured(f"LITERACY_CREDENTIAL_KEY_ID {active!r} names no private key in the list")
        return SigningKeys(found, active)
    if not private:
        raise KeysNotConfigured("None of the credential keys has its private part, so none can sign")
    return SigningKeys(found, private[0])


def _add(found: dict[str, ECKey], key: Any, kid: Any) -> None:
    if not isinstance(key, ECKey) or key.as_dict(private=False).get("crv") != CURVE:
        raise ValueError("every credential key must be a P-256 EC key (ES256)")
    if kid is not None and not (isinstance(kid, str) and KEY_ID.match(kid)):
        raise ValueError(f"a key id may hold letters, digits, '-' and '_' only: {kid!r}")
    found[kid or key.thumbprint()] = key


def generate() -> ECKey:
    return ECKey.generate_key(CURVE, private=True)


def _development_key(app: Flask) -> str:
    """The debug site's own key, generated on first use and kept in the instance folder."""
    path = Path(app.instance_path) / DEVELOPMENT_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(generate().as_pem(private=True))
    return path.read_text(encoding="ascii")


def _configured_text(app: Flask) -> str | None:
    file = app.config.get("CREDENTIAL_KEYS_FILE")
    if file:
        try:
            return Path(file).read_text(encoding="utf-8")
        except OSError as error:
            raise KeysNotConfigured(f"LITERACY_CREDENTIAL_KEYS_FILE cannot be read: {error}") from None
    return app.config.get("CREDENTIAL_KEYS") or None


def signing_keys(app: Flask | None = None) -> SigningKeys:
    """This app's keys, read once (raises ``KeysNotConfigured`` on a production site without any)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    text = _configured_text(app)
    cache_key = (text, app.config.get("CREDENTIAL_KEY_ID"))
    cached = app.extensions.get("credential_keys")
    if cached is not None and cached[0] == cache_key:
        return cached[1]
    if text is None:
        if app.testing:
            text = generate().as_pem(private=True).decode("ascii")
        elif app.debug:
            text = _development_key(app)
        else:
            raise KeysNotConfigured(NOT_CONFIGURED)
    keys = parse(text, app.config.get("CREDENTIAL_KEY_ID") or None)
    app.extensions["credential_keys"] = (cache_key, keys)
    return keys
