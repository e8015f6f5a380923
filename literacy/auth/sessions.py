"""Signed-in sessions that really end: one owner for starting, checking and ending them.

The signed cookie carries a random session id; its SHA-256 is a ``UserSession`` row. Every request loads
the account through that row (one query, as before), so ending the row (sign-out, password change or
reset, deactivation, "sign out of all other devices") refuses every copy of the cookie at once, for GET
and POST alike. A session also ends by itself after ``SESSION_IDLE_MINUTES`` without a request (the time
of the last request is in the signed cookie, refreshed at most once a minute) and ``SESSION_LIFETIME_HOURS``
after sign-in (from the row, whatever the cookie says).

Flask-Login's remember-me cookie is never issued (``login_user(..., remember=False)``) and never honoured:
it carries only an account id, and the loader accepts an account only together with a live session id.

Functions that write add to the database session; the caller commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import namedtuple
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select, true, update

from ..extensions import READING_METHODS, db
from ..models import Membership, Organisation, User, UserSession, utcnow

SESSION_ID = "sid"  # the cookie's session id (the raw token; only its hash is stored)
LAST_SEEN = "seen"  # Unix time of the last request, for the idle timeout
SIGNED_OUT = "signed_out"  # why the last session ended by itself ("idle", "expired", "ended"), shown once
REFRESH_SECONDS = 60  # how stale LAST_SEEN may get before it is written again (a new cookie)

#: why a session was ended, kept on its row
SIGN_OUT, EVERYWHERE, PASSWORD_CHANGED, PASSWORD_RESET, DEACTIVATED = (
    "sign_out",
    "sign_out_everywhere",
    "password_changed",
    "password_reset",
    "deactivated",
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("SESSION_IDLE_MINUTES") or 120))


def lifetime() -> timedelta:
    return timedelta(hours=int(current_app.config.get("SESSION_LIFETIME_HOURS") or 12))


def _keep_only_language() -> None:
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def start(user: User, now: datetime | None = None) -> UserSession:
    """A fresh session for ``user`` (nothing from before sign-in carries over but the chosen language)."""
    now = now or utcnow()
    _keep_only_language()
    token = secrets.token_urlsafe(32)
    agent = request.headers.get("User-Agent", "") if has_request_context() else ""
    row = UserSession(user_id=user.id, token_hash=token_hash(token), created_at=now, user_agent=agent[:200])
    db.session.add(row)
    session.permanent = True  # the browser keeps the cookie for PERMANENT_SESSION_LIFETIME at most
    session[SESSION_ID] = token
    session[LAST_SEEN] = int(now.timestamp())
    login_user(user, remember=False)
    return row


def current_token_hash() -> str | None:
    token = session.get(SESSION_ID)
    return token_hash(token) if isinstance(token, str) else None


def end(reason: str = SIGN_OUT, now: datetime | None = None) -> None:
    """End this browser's session: its row, then the cookie (the language choice stays)."""
    current = current_token_hash()
    if current is not None:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == current, UserSession.ended_at.is_(None))
            .values(ended_at=now or utcnow(), end_reason=reason)
        )
    logout_user()
    _keep_only_language()


def end_all(user: User, reason: str, *, keep_current: bool = False, now: datetime | None = None) -> int:
    """End every open session of ``user`` (all but this browser's with ``keep_current``); returns how many."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    current = current_token_hash() if has_request_context() else None
    if keep_current and current is not None:
        query = query.where(UserSession.token_hash != current)
    return db.session.execute(query.values(ended_at=now or utcnow(), end_reason=reason)).rowcount


def open_sessions(user: User, now: datetime | None = None) -> list[UserSession]:
    """The sessions of ``user`` that could still be used (not ended, within their lifetime), newest first.

    A browser that has been idle too long cannot use its session any more, but another copy of the same
    cookie still could, so the server counts it as open until it is ended or its lifetime is over.
    """
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.created_at > now - lifetime(),
            )
            .order_by(UserSession.created_at.desc())
        )
    )


def is_current(row: UserSession) -> bool:
    """Whether ``row`` is this browser's session."""
    return has_request_context() and row.token_hash == current_token_hash()


#: the account through a live session, with the person's roles in organisations that are not archived (one row
#: per membership, or one without): the header shows links by those roles on every page (``navigation``)
_LOAD = (
    select(User, UserSession.created_at, Membership.role, Organisation.slug, Organisation.name,
           Membership.id.label("membership_id"))
    .join(UserSession, UserSession.user_id == User.id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Organisation, (Organisation.id == Membership.organisation_id) & Organisation.archived_at.is_(None))
    .where(User.id == bindparam("user_id"), UserSession.token_hash == bindparam("token_hash"))
    .where(UserSession.ended_at.is_(None))
)
#: where ``load`` leaves the roles it read, for this request's header (``header_roles``)
_ROLES_READ = "literacy_header_roles"
#: where ``load`` leaves the page's own rows it read with the person (``read_with_person``)
_PAGE_ROW_READ = "literacy_page_row"
#: by endpoint: the statement that reads the person with the page's rows, the page's parameters, and the rows'
#: type (the page's own column names)
_WITH_PAGE: dict[str, tuple[Any, Callable[[Mapping[str, Any], int], dict[str, Any]], type]] = {}
_PAGE_PREFIX = "page_"
_PERSON_COLUMNS = len(_LOAD.column_descriptions)  # the account (one entity), then five columns


def read_with_person(
    endpoint: str,
    page_rows: Any,
    parameters: Callable[[Mapping[str, Any], int], dict[str, Any]],
    order_by: tuple[str, ...] = (),
) -> None:
    """Have ``load`` read, on a GET of ``endpoint``, the page's own rows in the same statement as the person:
    one round trip instead of two on each of its requests (on PostgreSQL, a statement costs the database and
    the driver more than the page's own work in it). ``page_rows``, a select whose first column is never
    NULL and whose parameters may include ``user_id``, is joined to each of the person's rows (one per
    membership); ``parameters(view_args, user_id)`` gives its other parameters, ``order_by`` names the
    columns its rows come in the order of. The view takes them with ``page_rows``."""
    joined = page_rows.order_by(None).subquery(f"{_PAGE_PREFIX}{endpoint.replace('.', '_')}")
    columns = [column.label(f"{_PAGE_PREFIX}{column.key}") for column in joined.c]
    row_type = namedtuple("PageRow", [column.key for column in joined.c])  # noqa: PYI024 - built at run time
    statement = _LOAD.add_columns(*columns).outerjoin(joined, true()).order_by(*(joined.c[name] for name in order_by))
    _WITH_PAGE[endpoint] = (statement, parameters, row_type)


#: ``page_rows``'s answer when the page's rows were not read with the person
NOT_READ: Any = object()


def page_rows(user: Any, endpoint: str) -> Any:
    """The rows ``read_with_person`` had ``load`` read for ``user`` on this request's ``endpoint``, with their
    own column names, or ``NOT_READ`` when they were not read with the person (another user, method or
    endpoint): the page reads them itself."""
    found = g.get(_PAGE_ROW_READ) if has_request_context() else None
    if found is None or found[0] != user.id or found[1] != endpoint:
        return NOT_READ
    return found[2]


def load(user_id: str) -> User | None:
    """Flask-Login's user loader: the account only through a live session row, in one query that also reads
    the person's roles for the header (``header_roles``) and, on some pages, the page's own row
    (``read_with_person``)."""
    token = session.get(SESSION_ID)
    if not isinstance(token, str) or not user_id.isdigit():
        return _signed_out(None)
    values: dict[str, Any] = {"user_id": int(user_id), "token_hash": token_hash(token)}
    reading = has_request_context() and request.method in READING_METHODS
    with_page = _WITH_PAGE.get(request.endpoint or "") if reading else None
    if with_page is not None:
        values.update(with_page[1](request.view_args or {}, int(user_id)))
    rows = db.session.execute(with_page[0] if with_page is not None else _LOAD, values).all()
    if not rows or not rows[0][0].is_enabled:
        return _signed_out("ended")
    user, created_at = rows[0][0], rows[0][1]
    if reading:
        # a page that only reads cannot change anyone's roles before its header is rendered; with the page's
        # rows, each membership comes once per page row
        memberships = {row.membership_id: tuple(row[2:5]) for row in rows if row.slug is not None}
        setattr(g, _ROLES_READ, (user.id, list(memberships.values())))
    now = utcnow()
    if created_at <= now - lifetime():
        return _signed_out("expired")
    seen = session.get(LAST_SEEN)
    if not isinstance(seen, int) or now.timestamp() - seen > idle_limit().total_seconds():
        return _signed_out("idle")
    if now.timestamp() - seen >= REFRESH_SECONDS:
        session[LAST_SEEN] = int(now.timestamp())
    if with_page is not None:  # kept only for a session that counts
        first, row_type = rows[0].membership_id, with_page[2]
        page = [row_type(*row[_PERSON_COLUMNS:]) for row in rows
                if row.membership_id == first and row[_PERSON_COLUMNS] is not None]
        setattr(g, _PAGE_ROW_READ, (user.id, request.endpoint, page))
    return user


def _signed_out(reason: str | None) -> None:
    """Forget a session that no longer counts, and say why once on the sign-in page.

    Without a reason (a cookie with no session in it, such as a remember-me cookie's second try in the same
    request) an earlier reason is kept, so the person still learns why they were signed out.
    """
    earlier = session.get(SIGNED_OUT)
    _keep_only_language()
    if reason or earlier:
        session[SIGNED_OUT] = reason or earlier
    return None


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths, so a link cannot bounce someone to another site after signing in.

    A target with a control character (a line break, a NUL) is ignored too: it could never be a header's
    value, and the request guard lets line breaks through in form and query values.
    """
    if not target or any(ord(character) < 32 or ord(character) == 127 for character in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def header_roles(user: User) -> list[Any] | None:
    """The (role, organisation slug, organisation name) rows ``load`` read for ``user`` in this request, or
    None when it read none (a form's request, which may change roles before it renders, or another user)."""
    found = g.get(_ROLES_READ) if has_request_context() else None
    return found[1] if found is not None and found[0] == user.id else None
