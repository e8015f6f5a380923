"""The learning area's forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..fields import strip
from .certificates import REASON_MAX


class RevokeForm(FlaskForm):
    """Why a certificate is withdrawn: required, because the public verification page shows it."""

    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[
            DataRequired(message=_l("Enter the reason for revoking this certificate")),
            Length(max=REASON_MAX, message=_l("The reason must be %(max)s characters or fewer", max=REASON_MAX)),
        ],
        filters=[strip],
    )
