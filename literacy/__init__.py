"""literacy: an AI-literacy learning platform for public servants."""

from __future__ import annotations

from typing import Any

from flask import Flask

from . import config as settings
from .config import PACKAGE_ROOT


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The application factory: loads settings, binds extensions and registers blueprints.

    It has no side effects: it never migrates, prompts or writes files (``flask --app literacy start``
    and ``flask db upgrade`` do that).
    """
    app = Flask(
        __name__,
        template_folder=str(PACKAGE_ROOT / "templates"),
        static_folder=str(PACKAGE_ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.update(settings.load(app.instance_path, config))
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise RuntimeError("Set LITERACY_SECRET_KEY to a long random value (or run with --debug for development).")
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

    from . import cli, errors, exports, navigation

    navigation.init_app(app)
    errors.init_app(app)
    exports.init_app(app)
    cli.init_app(app)
    return app
