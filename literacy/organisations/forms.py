"""Forms for an organisation's people (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..fields import strip


class InvitePersonForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        validators=[Optional(), Length(max=200, message=_l("The name must be 200 characters or fewer"))],
        filters=[strip],
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter an email address")),
            Email(message=_l("Enter an email address in the correct format, like name@example.gov.uk")),
        ],
        filters=[strip],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    role = SelectField(_l("Role"), choices=[])
