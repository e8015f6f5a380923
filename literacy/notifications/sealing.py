"""Link tokens kept in outbox rows encrypted with the site's secret key (Fernet, from ``cryptography``,
which Authlib already needs), so a copy of the database alone holds no live links."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"literacy-outbox:" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret: str) -> str:
    """Encrypt a link's token for the row (a copy of the database alone does not hold live links)."""
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str | None) -> str | None:
    if sealed is None:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:  # the secret key changed since it was queued
        return None
