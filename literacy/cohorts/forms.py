"""Forms for cohorts, members and assignments (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..date_input import DateInputField, DateMessages
from ..fields import strip
from ..i18n import today
from ..renewal import DEFAULT_RENEWAL_DAYS, MAX_RENEWAL_DAYS, MIN_RENEWAL_DAYS

START_DATE = DateMessages(
    real=_l("Start date must be a real date"),
    day=_l("Start date must include a day"),
    month=_l("Start date must include a month"),
    year=_l("Start date must include a year"),
    day_month=_l("Start date must include a day and month"),
    day_year=_l("Start date must include a day and year"),
    month_year=_l("Start date must include a month and year"),
)
END_DATE = DateMessages(
    real=_l("End date must be a real date"),
    day=_l("End date must include a day"),
    month=_l("End date must include a month"),
    year=_l("End date must include a year"),
    day_month=_l("End date must include a day and month"),
    day_year=_l("End date must include a day and year"),
    month_year=_l("End date must include a month and year"),
)
DUE_DATE = DateMessages(
    real=_l("Due date must be a real date"),
    day=_l("Due date must include a day"),
    month=_l("Due date must include a month"),
    year=_l("Due date must include a year"),
    day_month=_l("Due date must include a day and month"),
    day_year=_l("Due date must include a day and year"),
    month_year=_l("Due date must include a month and year"),
)
NAME_MAX, DESCRIPTION_MAX = 200, 5000


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter a name for the cohort")),
            Length(max=NAME_MAX, message=_l("The name must be 200 characters or fewer")),
        ],
        filters=[strip],
    )
    starts_on = DateInputField(_l("Start date"), messages=START_DATE)
    ends_on = DateInputField(_l("End date"), messages=END_DATE)
    description = TextAreaField(
        _l("Description"),
        validators=[
            Optional(),
            Length(max=DESCRIPTION_MAX, message=_l("The description must be 5,000 characters or fewer")),
        ],
        filters=[strip],
    )
    # Text, not an IntegerField, so that what was typed comes back as typed with our own words for the error.
    renewal_days = StringField(
        _l("Days to renew"),
        default=str(DEFAULT_RENEWAL_DAYS),
        filters=[strip],
        render_kw={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"},
    )

    def validate_ends_on(self, field: DateInputField) -> None:
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
        validators=[
            Optional(),
            Length(max=500_000, message=_l("The list must be 500,000 characters or fewer: add the people in parts")),
        ],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    upload = FileField(_l("Or upload a CSV file"))


class AssignForm(FlaskForm):
    """A module and its due date. A due date that has passed is usually a typo (2026 for 2027), but can be
    meant (a deadline that has just gone), so it is neither refused nor taken silently: the form asks
    once, and ``confirm_past`` must name that very date (a tick for one date does not carry to another)."""

    module = SelectField(_l("Module"), validators=[DataRequired(message=_l("Select a module"))], choices=[])
    due_on = DateInputField(_l("Due date"), messages=DUE_DATE)
    confirm_past = StringField()  # a checkbox whose value is the past date it confirms, shown when needed

    @property
    def due_in_past(self) -> bool:
        """A valid due date before today: the page shows the confirmation checkbox."""
        due = self.due_on.data
        return self.due_on.problem is None and due is not None and due < today()

    @property
    def past_confirmed(self) -> bool:
        return self.due_in_past and self.confirm_past.data == self.due_on.data.isoformat()

    def validate_confirm_past(self, field: StringField) -> None:
        if self.due_in_past and not self.past_confirmed:
            raise ValidationError(
                _l(
                    "The due date, %(date)s, has already passed. Correct it, or tick the box to confirm it",
                    date=format_date(self.due_on.data, "long"),
                )
            )


class LeaveForm(FlaskForm):
    """Leaving another organisation's programme: nothing to fill in, but CSRF-checked."""
