""" "My learning", the printable certificate and the public certificate check."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user, login_required

from ..auth import sessions
from ..i18n import current_language, today
from ..models import utcnow
from . import bp, certificates
from . import my_learning as learning_rows
from .my_learning import my_learning as build_my_learning

# the modules and assignments are read in the session's statement, with the person (one round trip fewer)
sessions.read_with_person(
    "learning.my_learning", learning_rows.MODULES_WITH_PERSON, learning_rows.modules_with_person_parameters,
    learning_rows.MODULES_ORDER,
)


@bp.get("/my-learning")
@login_required
def my_learning():
    read = sessions.page_rows(current_user, "learning.my_learning")
    learning = build_my_learning(current_user, current_language(), today(), read_with_person=read)
    programmes = learning.programmes  # other organisations' cohorts, each with "Leave"
    return render_template("learning/my_learning.html", learning=learning, today=today(), programmes=programmes)


@bp.get("/my-learning/certificates/<code>")
@login_required
def certificate(code: str):
    """The learner's own certificate, to print or save as PDF (one A4 page)."""
    found = certificates.by_code(code)
    if found is None or found.user_id != current_user.id or found.is_revoked:
        abort(404)
    return render_template("learning/certificate.html", certificate=found)


@bp.get("/certificates/<code>")
def verify_certificate(code: str):
    """Anyone may check a certificate without signing in: valid (until when), expired or revoked (and why);
    unknown codes get 404 and say so. Those who may revoke it get the link to do so."""
    found = certificates.by_code(code)
    now = utcnow()
    return render_template(
        "learning/certificate_verify.html",
        certificate=found,
        state=found.state(now) if found else None,
        may_revoke=found is not None and certificates.may_revoke(current_user, found),
    ), (200 if found else 404)
