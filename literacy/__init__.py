"""literacy: an AI-literacy learning platform for public servants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from . import config as settings
from .config import PACKAGE_ROOT
from .secret_key import MissingSecretKey, require_secret_key

__all__ = ["MissingSecretKey", "create_app", "require_secret_key"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: loads settings, binds extensions and registers blueprints.

    It has no side effects: it never migrates, prompts or writes files (``flask --app literacy start``
    and ``flask db upgrade`` do that). Without a secret key it still builds an app (so ``--help`` and
    ``courses check`` work), which then refuses the database and every request (``secret_key.guard``).
    """
    app = Flask(
        __name__,
        template_folder=str(PACKAGE_ROOT / "templates"),
        static_folder=str(PACKAGE_ROOT / "static"),
        instance_relative_config=True,
    )
    _configure(app, config)
    _bind_extensions(app)
    _register_blueprints(app)

    from . import cli, errors, navigation, operations, secret_key, security, templating

    navigation.init_app(app)
    errors.init_app(app)
    operations.init_app(app)  # the request log; /healthz, /readyz and /metrics in front of the site
    templating.init_app(app)
    cli.init_app(app)
    secret_key.guard(app)
    security.trust_proxies(app)  # outermost: the proxies' headers are read before anything else sees a request
    return app


def _configure(app: Flask, config: dict[str, Any] | None) -> None:
    app.config.update(settings.load(app.instance_path, config))
    if not app.config.get("SECRET_KEY") and (app.debug or app.testing):
        app.config["SECRET_KEY"] = "development-only-not-secret"  # noqa: S105 - debug and tests only
    secure = app.config.get("SECURE_COOKIES")
    secure = (not app.debug) if secure is None else str(secure).lower() in ("1", "true", "yes")
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    # The browser drops the cookie when the session's absolute lifetime is over (auth.sessions checks it too).
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(app.config.get("SESSION_LIFETIME_HOURS") or 12))


def _bind_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from . import extensions, i18n, notifications, security, xapi
    from .auth import sessions

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(PACKAGE_ROOT / "migrations"))
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    notifications.init_app(app)
    xapi.init_app(app)  # statements to organisations' LRSs, handed to the same queue after each commit

    login = extensions.login_manager
    login.init_app(app)
    login.login_view = "auth.sign_in"
    login.login_message_category = "info"
    login.login_message = lazy_gettext("Sign in to see this page.")
    login.localize_callback = str  # the lazy message in the language of the request that is redirected
    login.session_protection = "strong"
    login.user_loader(sessions.load)  # the account only through a live server-side session


def _register_blueprints(app: Flask) -> None:
    from .account import bp as account_bp
    from .admin import bp as admin_bp
    from .admin.theme_views import bp as theme_bp
    from .auth import bp as auth_bp
    from .authoring import bp as authoring_bp
    from .cohorts import bp as cohorts_bp
    from .credentials import bp as credentials_bp
    from .invitations import bp as invitations_bp
    from .learning import bp as learning_bp
    from .organisations import bp as organisations_bp
    from .practice.assessment import bp as assessment_bp
    from .practice.atrs import bp as atrs_bp
    from .practice.cases import bp as cases_bp
    from .site import bp as site_bp
    from .xapi import bp as xapi_bp

    for blueprint in (
        site_bp, auth_bp, learning_bp, organisations_bp, cohorts_bp, invitations_bp, admin_bp, authoring_bp, account_bp,
        theme_bp, atrs_bp, cases_bp, credentials_bp, assessment_bp, xapi_bp,
    ):
        app.register_blueprint(blueprint)
