"""The account pages' forms (Flask-WTF: CSRF on every one). Each change page asks one question."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from ..fields import NewPasswordMixin, strip


def _current_password(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(message=_l("Enter your current password")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


class NameForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        validators=[
            DataRequired(message=_l("Enter your full name")),
            Length(max=200, message=_l("Your name must be 200 characters or fewer")),
        ],
        filters=[strip],
        render_kw={"autocomplete": "name", "spellcheck": "false"},
    )


class EmailForm(FlaskForm):
    """A new address, and the current password, so a borrowed signed-in browser cannot take the account."""

    email = EmailField(
        _l("New email address"),
        validators=[
            DataRequired(message=_l("Enter your new email address")),
            Email(message=_l("Enter an email address in the correct format, like name@example.gov.uk")),
            Length(max=254, message=_l("Your email address must be 254 characters or fewer")),
        ],
        filters=[strip],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    password = _current_password(_l("Your current password"))


class PasswordForm(FlaskForm, NewPasswordMixin):
    """The current password, then a new one with the one set of password rules (``NewPasswordMixin``)."""

    current = _current_password(_l("Current password"))

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.password.label.text = _l("New password")
        self.confirm.label.text = _l("Confirm your new password")

    def ordered_fields(self) -> list:  # type: ignore[type-arg]
        """The fields in the order the page shows them (for the error summary)."""
        return [self.current, self.password, self.confirm]


class LanguageForm(FlaskForm):
    language = RadioField(
        _l("Which language do you want to use?"),
        validate_choice=False,  # checked below, so a missing answer gets one message, not two
        validators=[DataRequired(message=_l("Select a language"))],
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.language.choices = list(current_app.config["LANGUAGES"].items())

    def validate_language(self, field: RadioField) -> None:
        if field.data not in current_app.config["LANGUAGES"]:
            raise ValidationError(_l("Select a language"))


class ActionForm(FlaskForm):
    """A button that changes something (sign out other devices, send a link): nothing to fill in, but
    CSRF-checked."""


class NotificationsForm(FlaskForm):
    """The optional emails, one checkbox each (labels and hints from ``notifications.status.PREFERENCES``);
    the digest is offered only to managers, so the view removes it for everyone else."""

    notify_reminders = BooleanField()
    notify_renewals = BooleanField()
    notify_digest = BooleanField()
