"""Cohorts: enrolment, assignments, invitations, dashboards and exports for an organisation's programmes.

Pages live under ``/organisations/<org>/cohorts``; the invitation acceptance page is ``/invitations/<token>``.
"""

from flask import Blueprint

bp = Blueprint("cohorts", __name__)

from . import views  # noqa: E402,F401
