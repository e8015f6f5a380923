"""Styled error pages (templates/errors/)."""

from __future__ import annotations

from flask import Flask, Response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from .extensions import db

PAGES = {400, 403, 404, 405, 413, 429, 500}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, SecurityError):  # a Host outside LITERACY_TRUSTED_HOSTS: no URL can be built
            return Response("This site is not served under that host name.\n", 400, mimetype="text/plain")
        code = error.code or 500
        if code not in PAGES:
            return error
        return render_template(f"errors/{code}.html", error=error), code

    @app.errorhandler(500)
    def server_error(error: Exception):
        db.session.rollback()
        return render_template("errors/500.html"), 500
