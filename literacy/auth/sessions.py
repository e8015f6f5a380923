"""Starting and ending a signed-in session, and where to go afterwards: one owner for every page that
signs someone in or out (sign-in, sign-out, accepting an invitation)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import session
from flask_login import login_user, logout_user

from ..models import User


def _keep_only_language() -> None:
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def start(user: User) -> None:
    """A fresh session for ``user`` (nothing from before sign-in carries over but the chosen language)."""
    _keep_only_language()
    login_user(user)


def end() -> None:
    logout_user()
    _keep_only_language()


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths, so a link cannot bounce someone to another site after signing in."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
