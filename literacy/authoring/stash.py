"""Keeping text across an expired session: what a trainer posted without a session, for one day."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from ..extensions import db
from ..models import EditStash, utcnow
from .files import normalise_text

STASH_HOURS = 24


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keep(slug: str, name: str, text: str) -> str:
    """Keep text posted without a session; returns the token for the sign-in link's ``next``."""
    token = secrets.token_urlsafe(24)
    cutoff = utcnow() - timedelta(hours=STASH_HOURS)
    db.session.execute(delete(EditStash).where(EditStash.created_at < cutoff))
    db.session.add(EditStash(token_hash=_hash(token), module_slug=slug, file_name=name, text=normalise_text(text)))
    return token


def take(token: str, slug: str, name: str) -> str | None:
    """The kept text for this file (once: it is deleted when taken)."""
    row = db.session.scalar(select(EditStash).where(EditStash.token_hash == _hash(token)))
    if row is None or row.module_slug != slug or row.file_name != name:
        return None
    if row.created_at < utcnow() - timedelta(hours=STASH_HOURS):
        return None
    db.session.delete(row)
    return row.text
