"""Forms for cohorts, members and assignments (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..fields import strip
from ..renewal import DEFAULT_RENEWAL_DAYS, MAX_RENEWAL_DAYS, MIN_RENEWAL_DAYS


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(message=_l("Enter a name for the cohort")), Length(max=200)],
        filters=[strip],
    )
    starts_on = DateField(
        _l("Start date"),
        validators=[Optional()],
        format="%Y-%m-%d",
        render_kw={"type": "date"},
    )
    ends_on = DateField(_l("End date"), validators=[Optional()], format="%Y-%m-%d", render_kw={"type": "date"})
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)], filters=[strip])
    # Text, not an IntegerField, so that what was typed comes back as typed with our own words for the error.
    renewal_days = StringField(
        _l("Days to renew"),
        default=str(DEFAULT_RENEWAL_DAYS),
        filters=[strip],
        render_kw={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"},
    )

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must be the same as or after the start date"))

    def validate_renewal_days(self, field: StringField) -> None:
        text = str(field.data or "")
        if not text:
            raise ValidationError(_l("Enter the number of days members have to renew"))
        if not (text.isascii() and text.isdigit()) or not MIN_RENEWAL_DAYS <= int(text) <= MAX_RENEWAL_DAYS:
            raise ValidationError(
                _l(
                    "Days to renew must be a whole number from %(low)s to %(high)s",
                    low=MIN_RENEWAL_DAYS,
                    high=MAX_RENEWAL_DAYS,
                )
            )

    @property
    def renewal_days_value(self) -> int:
        """The days to renew as a number, once the form is valid."""
        return int(self.renewal_days.data)


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


class LeaveForm(FlaskForm):
    """Leaving another organisation's programme: nothing to fill in, but CSRF-checked."""
