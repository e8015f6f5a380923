"""The rules of a person's own account. Every change is in the audit log; callers commit once.

Changing the password ends every other session of the account (a thief who copied a cookie or knew the
old password is signed out); deactivation ends all of them, so a deactivated account is refused at once,
not when its cookies happen to run out.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from .. import audit
from ..auth import sessions, verification
from ..extensions import db
from ..models import Membership, OutboxMessage, Role, User
from ..notifications import unsubscribe


def rename(user: User, name: str) -> None:
    name = name.strip()
    if name == user.name:
        return
    previous, user.name = user.name, name
    audit.record(user, None, "account.renamed", user, previous=previous, name=name)


def change_password(user: User, current: str, new: str) -> bool:
    """Set ``new`` if ``current`` is right (False otherwise, nothing changed); ends every other session."""
    if not user.check_password(current):
        return False
    user.set_password(new)
    ended = sessions.end_all(user, sessions.PASSWORD_CHANGED, keep_current=True)
    audit.record(user, None, "account.password_changed", user, sessions_ended=ended)
    return True


def set_language(user: User, code: str) -> None:
    """The interface language the person chose (one of the site's languages)."""
    if code not in current_app.config["LANGUAGES"]:
        raise ValueError(f"not a language of this site: {code!r}")
    if code == user.locale:
        return
    previous, user.locale = user.locale, code
    audit.record(user, None, "account.language_changed", user, previous=previous, language=code)


def change_email(user: User, current: str, new_email: str) -> list[OutboxMessage] | None:
    """Start changing the address (``verification.email_change``: a link to the new one, a notice to the
    old one, queued in the outbox) if ``current`` is the password; None otherwise. The address changes
    only when the link is followed, and nothing here depends on whether the new address has an account."""
    if not user.check_password(current):
        return None
    return verification.email_change(user, new_email.strip().lower())


def devices(user: User) -> tuple[int, int]:
    """How many browsers are signed in to the account (this one included), and how many besides this one.

    One query, whatever the number of sessions.
    """
    rows = sessions.open_sessions(user)
    others = sum(1 for row in rows if not sessions.is_current(row))
    return max(len(rows), others + 1), others


def sign_out_other_devices(user: User) -> int:
    """End every session of the account but this browser's; returns how many were ended."""
    ended = sessions.end_all(user, sessions.EVERYWHERE, keep_current=True)
    audit.record(user, None, "account.signed_out_other_devices", user, sessions_ended=ended)
    return ended


def set_enabled(actor: User | None, user: User, enabled: bool) -> bool:
    """Deactivate or reactivate an account; False when it already was so (nothing changed or recorded).

    Deactivation ends every session of the account, this browser's too when it is the account's own;
    sign-in refuses a deactivated account with the usual message. ``actor`` is None for a command.
    """
    if user.is_enabled == enabled:
        return False
    user.is_enabled = enabled
    if enabled:
        audit.record(actor, None, "account.activated", user, email=user.email)
    else:
        ended = sessions.end_all(user, sessions.DEACTIVATED)
        audit.record(actor, None, "account.deactivated", user, email=user.email, sessions_ended=ended)
    return True


# --- optional emails -----------------------------------------------------------------------------------


def manages_anything(user: User) -> bool:
    """Whether the person is a manager or administrator of any organisation (the weekly digest is theirs)."""
    return (
        db.session.scalar(
            select(Membership.id)
            .where(Membership.user_id == user.id, Membership.role.in_((Role.MANAGER, Role.ORG_ADMIN)))
            .limit(1)
        )
        is not None
    )


def offered_preferences(user: User) -> list[str]:
    """The optional emails this person can choose (``User`` columns): the digest only for managers."""
    return [name for name in unsubscribe.PREFERENCES if name != "notify_digest" or manages_anything(user)]


def set_notifications(user: User, wanted: dict[str, bool]) -> bool:
    """Save the person's choices of optional emails (only those offered to them); True when any changed."""
    changed = False
    for name in offered_preferences(user):
        if name in wanted and bool(wanted[name]) != getattr(user, name):
            setattr(user, name, bool(wanted[name]))
            changed = True
    return changed


def stop_by_link(token: str) -> tuple[User, str] | None:
    """The account and preference a one-click link names (``notifications.unsubscribe``), or None when it
    was not made here or its account is gone. Reading it changes nothing: ``stop`` does."""
    found = unsubscribe.read(token)
    if found is None:
        return None
    user = db.session.get(User, found[0])
    return (user, found[1]) if user is not None else None


def stop(user: User, preference: str) -> None:
    """Turn one kind of optional email off (what a one-click link does)."""
    assert preference in unsubscribe.PREFERENCES
    setattr(user, preference, False)
