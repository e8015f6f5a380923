"""Site administration: organisations, users and roles."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import organisation_views, people_views, sso_views, views  # noqa: E402,F401
