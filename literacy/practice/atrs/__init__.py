"""The ATRS record workshop: drafting an Algorithmic Transparency Recording Standard record for a real tool."""

from flask import Blueprint

bp = Blueprint("atrs", __name__, url_prefix="/organisations")

from . import views  # noqa: E402,F401
