"""Accounts: sign in and out, password reset, verified email addresses, and the access rules every view uses."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import reset_views, sso_views, verify_views, views  # noqa: E402,F401
