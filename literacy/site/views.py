from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..account import service as account
from ..auth.sessions import safe_next
from ..extensions import db
from ..i18n import current_language, today
from ..learning.my_learning import my_learning
from . import bp


@bp.get("/")
def home():
    learning = None
    if current_user.is_authenticated:
        learning = my_learning(current_user, current_language(), today())
    return render_template("site/home.html", learning=learning)


@bp.get("/<any(accessibility, privacy, help):name>")
def page(name: str):
    return render_template(f"site/pages/{name}.html")


@bp.post("/language/<code>")
def switch_language(code: str):
    """Remember the chosen interface language (for the session, and on the account when signed in)."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        account.set_language(current_user._get_current_object(), code)  # kept on the account, and audited
        db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("site.home")))
