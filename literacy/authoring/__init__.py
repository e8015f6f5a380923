"""Authoring in the browser: trainers write, preview, check, publish, import, export and improve modules."""

from flask import Blueprint

bp = Blueprint("authoring", __name__, url_prefix="/author")

from . import views  # noqa: E402,F401
