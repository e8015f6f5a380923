"""Styled error pages (templates/errors/).

The 500 page and the 503 page (the database cannot be reached) show the request's id, which is also in
the log line of that request (``operations.request_log``), so a person can quote it and someone can find
what happened.

A database that cannot be reached, or that dropped the connection: SQLAlchemy's ``OperationalError`` and
``InterfaceError``, and any ``DBAPIError`` SQLAlchemy recognised as a disconnect. The transaction is rolled
back, one warning line with the request id is logged, and the 503 page says to try again in a few minutes.
That page is rendered without touching the database: the person is shown as signed out and no
organisation theme is looked up. Other database errors (a constraint, a bug in a query) stay 500s.
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import Flask, Response, current_app, g, render_template
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from .extensions import db, login_manager
from .i18n import FORMAT_LOCALES
from .operations import readiness, request_log

PAGES = {400, 403, 404, 405, 413, 429, 500}


def is_unavailable(error: DBAPIError) -> bool:
    """Whether a database error means the database cannot be used now (rather than a bug in a query)."""
    return isinstance(error, OperationalError | InterfaceError) or bool(error.connection_invalidated)


def _loaded_locale() -> str | None:
    """The signed-in person's language if their account is already in memory (never a query)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = inspect(user, raiseerr=False)
    if state is None or "locale" in state.unloaded:
        return None
    return user.locale


#: how long the 503 page asks browsers and crawlers to wait before trying again, in seconds
RETRY_AFTER = "120"


def database_unavailable(error: DBAPIError) -> tuple[str, int, dict[str, str]]:
    """The 503 page, rendered with no query: the person is taken as signed out (their language kept
    when it is known without the database), and no theme is looked up."""
    current_app.logger.warning(
        "database unavailable: %s", readiness.summary(error), extra={"fields": {"status": 503}}
    )
    locale = _loaded_locale()
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - a connection that is gone may fail to roll back; the pool discards it
        current_app.logger.debug("rollback after an unavailable database failed", exc_info=True)
    g._login_user = login_manager.anonymous_user()
    g.organisation_theme = None
    with force_locale(FORMAT_LOCALES.get(locale, locale)) if locale else nullcontext():
        page = render_template("errors/503.html", request_id=request_log.request_id())
    return page, 503, {"Retry-After": RETRY_AFTER}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, SecurityError):  # a Host outside LITERACY_TRUSTED_HOSTS: no URL can be built
            return Response("This site is not served under that host name.\n", 400, mimetype="text/plain")
        code = error.code or 500
        if code not in PAGES:
            return error
        return render_template(f"errors/{code}.html", error=error), code

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if not is_unavailable(error):
            raise error  # on to Flask's handling of any other exception: logged, then the 500 page
        return database_unavailable(error)

    @app.errorhandler(500)
    def server_error(error: Exception):
        db.session.rollback()
        return render_template("errors/500.html", request_id=request_log.request_id()), 500
