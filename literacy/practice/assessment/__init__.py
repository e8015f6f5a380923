"""The team self-assessment for an AI project: a team of an organisation answers a versioned questionnaire
(courses/self-assessment/) about one AI system together, and prints or exports the report."""

from flask import Blueprint

bp = Blueprint("assessment", __name__, url_prefix="/organisations")

from . import views  # noqa: E402,F401
