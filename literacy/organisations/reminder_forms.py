"""The form for an organisation's reminder settings (Flask-WTF: CSRF)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, ValidationError

from ..fields import strip

MIN_DAYS_BEFORE, MAX_DAYS_BEFORE, MAX_REMINDERS = 1, 60, 4
MIN_EXPIRY_DAYS, MAX_EXPIRY_DAYS = 1, 180


def parse_days(text: str | None) -> list[int]:
    """ "7, 1" -> [7, 1] (largest first, no repeats); ValueError with the words to show when it is not a
    list of whole numbers from 1 to 60, at most 4 of them."""
    parts = [part for part in re.split(r"[,\s]+", text or "") if part]
    if not parts:
        raise ValueError(_l("Enter the days before a due date to remind learners, like 7, 1"))
    if not all(part.isascii() and part.isdigit() for part in parts):  # not "²" or other Unicode digits
        raise ValueError(_l("Enter whole numbers of days separated by commas, like 7, 1"))
    if any(len(part.lstrip("0")) > 2 for part in parts):  # never int() of thousands of digits
        raise ValueError(_l("Each number of days must be between 1 and 60"))
    days = sorted({int(part) for part in parts}, reverse=True)
    if any(day < MIN_DAYS_BEFORE or day > MAX_DAYS_BEFORE for day in days):
        raise ValueError(_l("Each number of days must be between 1 and 60"))
    if len(days) > MAX_REMINDERS:
        raise ValueError(_l("Enter at most 4 numbers of days"))
    return days


class ReminderSettingsForm(FlaskForm):
    days_before = StringField(
        _l("Remind learners this many days before a due date"),
        filters=[strip],
        render_kw={"spellcheck": "false", "inputmode": "numeric", "autocomplete": "off"},
    )
    overdue_reminders = BooleanField(_l("Remind weekly when work is overdue"))
    expiry_notice_days = StringField(
        _l("Tell people this many days before a certificate expires"),
        filters=[strip],
        render_kw={"spellcheck": "false", "inputmode": "numeric", "autocomplete": "off"},
    )

    def validate_days_before(self, field: StringField) -> None:
        try:
            self.parsed_days = parse_days(field.data)
        except ValueError as problem:
            raise ValidationError(str(problem.args[0])) from None

    def validate_expiry_notice_days(self, field: StringField) -> None:
        text = field.data or ""
        if not text:
            raise ValidationError(_l("Enter the number of days before a certificate expires, like 30"))
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(_l("Enter the number of days before a certificate expires as a whole number"))
        if len(text.lstrip("0")) > 3 or not MIN_EXPIRY_DAYS <= int(text) <= MAX_EXPIRY_DAYS:
            raise ValidationError(_l("The number of days before a certificate expires must be between 1 and 180"))
        self.parsed_expiry = int(text)
