"""Fields and filters every area's forms share (the Flask-WTF forms themselves live next to their views)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

#: the password rules, the same wherever a password is chosen (invitation, reset, account page)
PASSWORD_MIN_LENGTH = 12


def strip(value: str | None) -> str | None:
    """A field filter: surrounding spaces are never part of a name or an address."""
    return value.strip() if isinstance(value, str) else value


class NewPasswordMixin:
    """A new password and its confirmation, with the one set of password rules."""

    password = PasswordField(
        _l("Create a password"),
        validators=[
            DataRequired(message=_l("Enter a password")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=1000,
                message=_l("Your password must be at least 12 characters long"),
            ),
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
