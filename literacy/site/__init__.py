"""Pages that belong to no area: the home page and the language switch."""

from flask import Blueprint

bp = Blueprint("site", __name__)

from . import views  # noqa: E402,F401
