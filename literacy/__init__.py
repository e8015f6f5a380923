"""literacy: an AI-literacy learning platform for public servants."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click
from flask import Flask

from . import config as settings
from .config import PACKAGE_ROOT

KEY_REQUIRED = "Set LITERACY_SECRET_KEY to a long random value (or run with --debug for development)."


class MissingSecretKey(click.ClickException, RuntimeError):
    """The site was used without ``LITERACY_SECRET_KEY``; the ``flask`` commands print it as ``Error: ...``."""

    def __init__(self) -> None:
        super().__init__(KEY_REQUIRED)


def require_secret_key(app: Flask) -> None:
    """Raise :class:`MissingSecretKey` unless the app has a secret key (debug and testing get a throwaway one)."""
    if not app.config.get("SECRET_KEY"):
        raise MissingSecretKey()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: loads settings, binds extensions and registers blueprints.

    It has no side effects: it never migrates, prompts or writes files (``flask --app literacy start``
    and ``flask db upgrade`` do that).

    It builds an app even without a secret key, so that ``--help`` and ``flask courses check``/``list``
    (authors' tools that read files only, run in course repositories' CI) work without one. Such an app
    refuses to be used: it opens no database connection and answers no request (see
    :func:`_refuse_to_run_without_a_secret_key`), and ``literacy.wsgi`` refuses to start at all.
    """
    app = Flask(
        __name__,
        template_folder=str(PACKAGE_ROOT / "templates"),
        static_folder=str(PACKAGE_ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.update(settings.load(app.instance_path, config))
    if not app.config.get("SECRET_KEY") and (app.debug or app.testing):
        app.config["SECRET_KEY"] = "development-only-not-secret"  # noqa: S105 - debug and tests only
    secure = app.config.get("SECURE_COOKIES")
    secure = (not app.debug) if secure is None else str(secure).lower() in ("1", "true", "yes")
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure

    from . import extensions, i18n, security
    from .models import User

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(PACKAGE_ROOT / "migrations"))
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)

    login = extensions.login_manager
    login.init_app(app)
    login.login_view = "auth.sign_in"
    login.login_message_category = "info"
    login.session_protection = "strong"

    @login.user_loader
    def load_user(user_id: str) -> User | None:
        return extensions.db.session.get(User, int(user_id))

    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .authoring import bp as authoring_bp
    from .cohorts import bp as cohorts_bp
    from .invitations import bp as invitations_bp
    from .learning import bp as learning_bp
    from .organisations import bp as organisations_bp
    from .site import bp as site_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(learning_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(authoring_bp)

    from . import cli, errors, navigation, templating

    navigation.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    if not app.config.get("SECRET_KEY"):
        _refuse_to_run_without_a_secret_key(app)
    return app


def _refuse_to_run_without_a_secret_key(app: Flask) -> None:
    """Everything that runs the site needs the database or serves requests: both check for the key first.

    So ``flask db upgrade``, ``demo``, ``create-admin``, ``start``, ``courses sync`` and ``summaries``
    stop with ``Error: Set LITERACY_SECRET_KEY ...`` before connecting (no SQLite file is created), and
    any server answers 500 and logs the reason. The check reads the config each time, so a key set after
    ``create_app()`` is enough.
    """
    from sqlalchemy import event

    from .extensions import db

    def before_connecting(*args: object) -> None:
        require_secret_key(app)

    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "do_connect", before_connecting)

    serve = app.wsgi_app

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not app.config.get("SECRET_KEY"):
            from werkzeug.exceptions import InternalServerError

            app.logger.error(KEY_REQUIRED)
            return InternalServerError()(environ, start_response)
        return serve(environ, start_response)

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]
