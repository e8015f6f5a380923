"""The secret key rule: nothing that serves the site or uses its database runs without one.

The factory builds an app even without ``LITERACY_SECRET_KEY``, so ``--help`` and the authors' tools
``flask courses check``/``list`` (which read files only and run in course repositories' CI) work. Such an
app refuses to be used: it opens no database connection and answers no request, and ``literacy.wsgi``
refuses to start at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click
from flask import Flask
from sqlalchemy import event
from werkzeug.exceptions import InternalServerError

KEY_REQUIRED = "Set LITERACY_SECRET_KEY to a long random value (or run with --debug for development)."


class MissingSecretKey(click.ClickException, RuntimeError):
    """The site was used without ``LITERACY_SECRET_KEY``; the ``flask`` commands print it as ``Error: ...``."""

    def __init__(self) -> None:
        super().__init__(KEY_REQUIRED)


def require_secret_key(app: Flask) -> None:
    """Raise :class:`MissingSecretKey` unless the app has a secret key (debug and testing get a throwaway one)."""
    if not app.config.get("SECRET_KEY"):
        raise MissingSecretKey()


def guard(app: Flask) -> None:
    """Without a key, refuse the database and every request.

    So ``flask db upgrade``, ``demo``, ``create-admin``, ``start``, ``courses sync`` and ``summaries``
    stop with ``Error: Set LITERACY_SECRET_KEY ...`` before connecting (no SQLite file is created), and
    any server answers 500 and logs the reason. The check reads the config each time, so a key set after
    ``create_app()`` is enough.
    """
    if app.config.get("SECRET_KEY"):
        return
    from .extensions import db

    def before_connecting(*args: object) -> None:
        require_secret_key(app)

    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "do_connect", before_connecting)

    serve = app.wsgi_app

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not app.config.get("SECRET_KEY"):
            app.logger.error(KEY_REQUIRED)
            return InternalServerError()(environ, start_response)
        return serve(environ, start_response)

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]
