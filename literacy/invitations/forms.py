"""Forms for accepting an invitation (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..fields import strip


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Your full name"),
        validators=[DataRequired(message=_l("Enter your full name")), Length(max=200)],
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )
    password = PasswordField(
        _l("Create a password"),
        validators=[
            DataRequired(message=_l("Enter a password")),
            Length(min=12, max=1000, message=_l("Your password must be at least 12 characters long")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirm your password"),
        validators=[
            DataRequired(message=_l("Enter your password again")),
            EqualTo("password", message=_l("The passwords do not match")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class JoinForm(FlaskForm):
    """Accepting an invitation with an existing account: nothing to fill in, but CSRF-checked."""
