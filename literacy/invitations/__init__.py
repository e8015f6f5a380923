"""Accepting an invitation (``/invitations/<token>``): to an organisation, and to a cohort when it has one.

Its own small blueprint because accepting touches two areas: the organisation's role
(``organisations.invitations``) and the cohort's membership (``cohorts.membership``).
"""

from flask import Blueprint

bp = Blueprint("invitations", __name__)

from . import views  # noqa: E402,F401
