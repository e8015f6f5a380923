"""Your account (``/account``): name, email address, password, interface language and signed-in devices.

Rules are in ``service.py`` (plain functions the tests, the commands and later the site admins' pages call);
the pages only check that someone is signed in, read the form and commit once.
"""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from . import views  # noqa: E402,F401
