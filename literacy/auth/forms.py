from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter your email address")),
            Email(message=_l("Enter an email address in the correct format, like name@example.gov.uk")),
        ],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
