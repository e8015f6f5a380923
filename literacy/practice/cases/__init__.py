"""The case library (issue 21): real cases of algorithmic tools in public services, read from courses/cases.

``loader`` reads and checks the files (no Flask), ``index`` keeps them in memory per process, ``views``
serves /cases and /cases/<slug>, and ``lesson_cases`` (a template global) lists a lesson's cases on its page.
"""

from flask import Blueprint

bp = Blueprint("cases", __name__)

from . import views  # noqa: E402,F401
