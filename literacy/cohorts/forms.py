"""Forms for cohorts, members, assignments, invitations and roles (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter a name for the cohort")), Length(max=200)],
        filters=[_strip],
    )
    starts_on = DateField(
        _l("Start date"),
        validators=[Optional()],
        format="%Y-%m-%d",
        render_kw={"type": "date"},
    )
    ends_on = DateField(_l("End date"), validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"})
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)], filters=[_strip])

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must be the same as or after the start date"))


class AddMembersForm(FlaskForm):
    emails = TextAreaField(
        _l("Email addresses"),
        validators=[Optional(), Length(max=500_000)],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    upload = FileField(_l("Or upload a CSV file"))


class AssignForm(FlaskForm):
    module = SelectField(_l("Module"), validators=[DataRequired(message=_l("Select a module"))], choices=[])
    due_on = DateField(_l("Due date"), validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"})


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Your full name"),
        validators=[DataRequired(message=_l("Enter your full name")), Length(max=200)],
        filters=[_strip],
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


class InvitePersonForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)], filters=[_strip])
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter an email address")),
            Email(message=_l("Enter an email address in the correct format, like name@example.gov.uk")),
        ],
        filters=[_strip],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    role = SelectField(_l("Role"), choices=[])


class JoinForm(FlaskForm):
    """Accepting an invitation with an existing account: nothing to fill in, but CSRF-checked."""
