"""Links that turn off one kind of optional message without signing in (RFC 8058 one-click, and a page
with a button for people who follow the link). The token is signed, not stored: it names a person and
a preference, never expires (old emails keep working) and can do nothing but turn that preference off."""

from __future__ import annotations

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "literacy-unsubscribe"
PREFERENCES = ("notify_reminders", "notify_renewals", "notify_digest")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token(user_id: int, preference: str) -> str:
    assert preference in PREFERENCES
    return _serializer().dumps([user_id, preference])


def read(value: str) -> tuple[int, str] | None:
    """The (user id, preference) a token names; None when it was not made here."""
    try:
        user_id, preference = _serializer().loads(value)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or preference not in PREFERENCES:
        return None
    return user_id, preference


def link(user_id: int, preference: str) -> str:
    """The one-click address for a message's List-Unsubscribe header and its footer."""
    return url_for("account.unsubscribe", token=token(user_id, preference), _external=True)
