"""Account rules, callable without a request."""

from __future__ import annotations

from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import User, user_by_email, utcnow
from ..models.accounts import password_hash_method


@cache
def _dummy_hash(method: str) -> str:
    """Checked against when the email is unknown, so both failures take the same time."""
    return generate_password_hash("no account has this password", method=method)


def authenticate(email: str, password: str) -> User | None:
    """The account for these credentials, or None; never says which part was wrong."""
    user = db.session.scalar(user_by_email(email))
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(password_hash_method()), password)
        return None
    if not user.check_password(password) or not user.is_enabled:
        return None
    user.last_signed_in_at = utcnow()
    return user


def create_user(email: str, name: str, password: str | None = None, *, is_site_admin: bool = False) -> User:
    user = User(email=email.strip().lower(), name=name.strip(), is_site_admin=is_site_admin)
    if password:
        user.set_password(password)
    db.session.add(user)
    return user
