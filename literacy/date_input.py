"""A date as three text boxes, day, month and year (the GOV.UK date input pattern).

Why not ``<input type="date">``: Chromium submits an empty value for an impossible date such as
31/02/2027, so a typo arrived as "no date" and replaced a stored one. Here the server reads what was
typed in each box, keeps it to show again, and names what is wrong in words of the field's own
(``DateMessages``); an invalid date is never read as an empty one. The markup is the ``date_input``
macro in ``templates/_macros.html``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class DateMessages:
    """One field's messages, GOV.UK style ("Due date must be a real date"), each a whole sentence so that
    each language words it naturally. ``required`` None: leaving all three boxes empty means no date."""

    real: str
    day: str
    month: str
    year: str
    day_month: str
    day_year: str
    month_year: str
    required: str | None = None


YEAR_DIGITS = _l("The year must include 4 numbers")


@dataclass(frozen=True)
class Reading:
    """What three boxes say: a date, None (all empty), or a message with the parts to highlight."""

    value: date | None
    message: Any = None  # a lazy string when the boxes do not make a date
    wrong: tuple[str, ...] = ()


def _number(text: str, low: int, high: int) -> int | None:
    """The whole number typed, when it lies between ``low`` and ``high``. Leading zeros aside, a number
    longer than ``high`` is out of range without being read (``int`` refuses over 4,300 digits)."""
    digits = text.lstrip("0") or "0"
    if not (text.isascii() and text.isdigit()) or len(digits) > len(str(high)):
        return None
    return int(digits) if low <= int(digits) <= high else None


def read_date(parts: dict[str, str], messages: DateMessages) -> Reading:
    """The date in ``parts`` (day, month, year as typed, spaces stripped), or what is wrong with it."""
    missing = tuple(part for part in PARTS if not parts.get(part))
    if len(missing) == len(PARTS):
        if messages.required is not None:
            return Reading(None, messages.required, PARTS)
        return Reading(None)
    if missing:
        names = {
            ("day",): messages.day,
            ("month",): messages.month,
            ("year",): messages.year,
            ("day", "month"): messages.day_month,
            ("day", "year"): messages.day_year,
            ("month", "year"): messages.month_year,
        }
        return Reading(None, names[missing], missing)
    day, month = _number(parts["day"], 1, 31), _number(parts["month"], 1, 12)
    year_text = parts["year"]
    year = int(year_text) if year_text.isascii() and year_text.isdigit() and len(year_text) == 4 else None
    wrong = tuple(part for part, value in zip(PARTS, (day, month, year), strict=True) if value is None)
    if wrong == ("year",) and year_text.isascii() and year_text.isdigit():
        return Reading(None, YEAR_DIGITS, wrong)
    if wrong:
        return Reading(None, messages.real, wrong)
    assert day is not None and month is not None and year is not None
    try:
        return Reading(date(year, month, day))
    except ValueError:  # 31 February, 29 February in a common year, or the year 0000
        return Reading(None, messages.real, ("day",) if year else ("year",))


def parts_of(value: date | None) -> dict[str, str]:
    """A stored date as the three boxes show it (no leading zeros, as people write dates)."""
    if value is None:
        return dict.fromkeys(PARTS, "")
    return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}


class DateInputField(Field):
    """A date typed as day, month and year, submitted as ``<name>-day``, ``<name>-month``, ``<name>-year``.

    ``data`` is the date, or None for all three empty (when that is allowed) and for anything invalid:
    the form is then invalid, so a view that saves only a valid form never stores the None.
    ``parts`` holds what was typed; ``wrong`` the parts to highlight; ``error_target`` the id the error
    summary links to (the first wrong part)."""

    def __init__(self, label: Any = None, validators: Any = None, *, messages: DateMessages, **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.messages = messages
        self.parts = parts_of(None)
        self.wrong: tuple[str, ...] = ()
        self.problem: Any = None

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(None, data, extra_filters)  # the stored value (or default) first
        self.parts = parts_of(self.data if isinstance(self.data, date) else None)
        self.wrong, self.problem = (), None
        if formdata is None:
            return
        self.raw_data = [str(formdata.get(f"{self.name}-{part}", "")) for part in PARTS]
        self.parts = {part: text.strip() for part, text in zip(PARTS, self.raw_data, strict=True)}
        reading = read_date(self.parts, self.messages)
        self.data, self.problem, self.wrong = reading.value, reading.message, reading.wrong

    def pre_validate(self, form: Any) -> None:
        if self.problem is not None:
            raise StopValidation(self.problem)

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, date) else ""

    @property
    def error_target(self) -> str:
        """The box the error summary links to: the first wrong one, or the day for the whole date."""
        return f"{self.id}-{self.wrong[0] if self.wrong else 'day'}"

    def part_has_error(self, part: str) -> bool:
        """Highlight this box: it is wrong, or the whole date is (another check failed)."""
        return bool(self.errors) and (part in self.wrong or not self.wrong)
