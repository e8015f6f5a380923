"""Accounts: sign in and out, and the access rules every view uses."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views  # noqa: E402,F401
