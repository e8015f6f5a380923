"""An organisation's own area: its people, and (later) cohorts, dashboards and exports."""

from flask import Blueprint

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

from . import reminder_views, views  # noqa: E402,F401
