from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from ..fields import NewPasswordMixin


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


class ForgotPasswordForm(FlaskForm):
    """Asking for a password reset link: only the address, the same answer whether it has an account."""

    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter your email address")),
            Email(message=_l("Enter an email address in the correct format, like name@example.gov.uk")),
            Length(max=254, message=_l("Your email address must be 254 characters or fewer")),
        ],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class ResetPasswordForm(FlaskForm, NewPasswordMixin):
    """Choosing a new password from a reset link (the same rules as accepting an invitation)."""


class ConfirmForm(FlaskForm):
    """A button that changes something (confirming an email address): nothing to fill in, but CSRF-checked."""
