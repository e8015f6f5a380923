"""Keeping text across an expired session: what a trainer posted after their own session ran out, for a day.

Only the trainer can plant text for themselves: a post is kept when its cookie still carries the id of a
real session of that trainer (expired by time, not ended by signing out, a password change or an admin),
when the trainer may edit the module, when the browser says the form came from this site, and when the
text fits ``LITERACY_STASH_MAX_BYTES``. The kept text is tied to the trainer and, when they are back, shown
against the saved draft until they choose to use it (``authoring.edit_file``).
"""

from __future__ import annotations

import difflib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, select

from ..auth import sessions
from ..auth.access import may
from ..extensions import db
from ..models import EditStash, ModuleDraft, Organisation, Role, User, UserSession, utcnow
from .files import DraftFiles, normalise_text

STASH_HOURS = 24


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def from_this_site(claimed: str | None, host_url: str) -> bool:
    """True only when the browser names this site (``host_url``) as the form's origin (Origin, else Referer).

    Browsers send Origin with every cross-site form post, so a missing one is refused too: without it the
    post may come from a script that is no browser at all.
    """
    if not claimed or claimed == "null":
        return False
    mine, theirs = urlsplit(host_url), urlsplit(claimed)
    return (theirs.scheme, theirs.netloc) == (mine.scheme, mine.netloc)


def session_owner(session_id: str | None) -> User | None:
    """The account whose session id the cookie carries, even when that session has run out of time.

    A session that was ended (sign-out, password change, deactivation) or an account that is disabled
    gives None.
    """
    if not isinstance(session_id, str):
        return None
    return db.session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == sessions.token_hash(session_id), UserSession.ended_at.is_(None))
        .where(User.is_enabled.is_(True))
    )


@dataclass(frozen=True)
class Post:
    """What the view knows of an editor post sent without a live session."""

    org: str
    slug: str
    name: str
    text: str
    claimed_origin: str | None  # the Origin header, else the Referer
    host_url: str
    session_id: str | None  # from the cookie, read afresh (the request's own session was cleared)


def may_keep(post: Post) -> User | None:
    """The trainer this post may be kept for, or None (the reasons are in the module docstring)."""
    if not from_this_site(post.claimed_origin, post.host_url):
        return None
    if len(post.text.encode("utf-8")) > int(current_app.config["STASH_MAX_BYTES"]):
        return None
    user = session_owner(post.session_id)
    if user is None:
        return None
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == post.org))
    if organisation is None or not may(user, organisation.id, Role.TRAINER):
        return None
    files = db.session.scalar(
        select(ModuleDraft.files).where(ModuleDraft.organisation_id == organisation.id,
                                        ModuleDraft.module_slug == post.slug)
    )
    # only for a text file the draft has: any other name could never be shown again (and one longer than
    # edit_stash.file_name made PostgreSQL refuse the row, a 500)
    return user if files is not None and post.name in DraftFiles.loads(files).text else None


def keep(user: User, slug: str, name: str, text: str) -> str:
    """Keep text for ``user``; returns the token for the sign-in link's ``next``.

    One kept text per trainer and file: a newer post replaces the older one. Old rows are swept here.
    """
    token = secrets.token_urlsafe(24)
    cutoff = utcnow() - timedelta(hours=STASH_HOURS)
    db.session.execute(delete(EditStash).where(EditStash.created_at < cutoff))
    mine = (EditStash.user_id == user.id, EditStash.module_slug == slug, EditStash.file_name == name)
    db.session.execute(delete(EditStash).where(*mine))
    db.session.add(
        EditStash(token_hash=_hash(token), user_id=user.id, module_slug=slug, file_name=name, text=normalise_text(text))
    )
    return token


def find(token: str, user: User, slug: str, name: str) -> EditStash | None:
    """The kept text for this trainer and file, if it is still there and less than a day old."""
    row = db.session.scalar(select(EditStash).where(EditStash.token_hash == _hash(token)))
    if row is None or row.user_id != user.id or row.module_slug != slug or row.file_name != name:
        return None
    if row.created_at < utcnow() - timedelta(hours=STASH_HOURS):
        return None
    return row


def take(token: str, user: User, slug: str, name: str) -> str | None:
    """The kept text (once: it is deleted when taken)."""
    row = find(token, user, slug, name)
    if row is None:
        return None
    db.session.delete(row)
    return row.text


@dataclass(frozen=True)
class DiffLine:
    """One line of the comparison: "same", "removed" (only in the saved draft) or "added" (only kept)."""

    kind: str
    saved_number: int | None
    kept_number: int | None
    text: str


def compare(saved: str, kept: str, context: int = 2) -> list[list[DiffLine]]:
    """The kept text against the saved draft, as groups of changed lines with a little context."""
    old, new = saved.split("\n"), kept.split("\n")
    groups = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context):
        lines = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", i1 + k + 1, j1 + k + 1, old[i1 + k]) for k in range(i2 - i1)]
                continue
            lines += [DiffLine("removed", i + 1, None, old[i]) for i in range(i1, i2)]
            lines += [DiffLine("added", None, j + 1, new[j]) for j in range(j1, j2)]
        groups.append(lines)
    return groups
