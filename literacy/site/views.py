from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..account import service as account
from ..auth import sessions
from ..auth.sessions import safe_next
from ..extensions import db
from ..i18n import current_language, today
from ..learning import my_learning as learning_rows
from . import bp
from .home import home_page
from .legal_dates import LAST_CHECKED, SECTIONS

# a signed-in person's modules and assignments (their learning, on every home page) come with the person
sessions.read_with_person(
    "site.home", learning_rows.MODULES_WITH_PERSON, learning_rows.modules_with_person_parameters,
    learning_rows.MODULES_ORDER,
)


@bp.get("/")
def home():
    """For anonymous visitors, what the site is; signed in, each role's way into its work (``home``)."""
    page = None
    if current_user.is_authenticated:
        person = current_user._get_current_object()
        page = home_page(person, current_language(), today(), sessions.page_rows(person, "site.home"))
    return render_template("site/home.html", page=page)


@bp.get("/<any(accessibility, privacy, help):name>")
def page(name: str):
    return render_template(f"site/pages/{name}.html")


@bp.get("/legal-dates")
def legal_dates():
    """The dates the courses teach, in one place, for everyone (lessons link here; no sign-in needed)."""
    return render_template("site/pages/legal-dates.html", sections=SECTIONS, last_checked=LAST_CHECKED)


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
