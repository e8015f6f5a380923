"""How long a certificate stays valid: module.yaml's ``valid_for`` ("12 months") as an ISO 8601 period ("P12M").

Pure functions with no Flask, part of the course engine (which checks module.yaml) so that it stands alone;
publishing (which stores the period on the version) and certificates (which add it to the completion date)
use the same functions through :mod:`literacy.validity`, so there is one reading of it. A
period is a single number and unit, the way people write it; combined periods ("1 year and 2 months") are
not accepted, because nobody needs them and every one of them can be written as months or days.

Months and years are calendar months and years: 31 January plus one month is the last day of February, and
29 February plus one year is 28 February, so a certificate never gains days by starting on a short month.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta

from .problems import N_

#: the unit letters of the periods we store, with the words accepted in module.yaml for each
UNITS: dict[str, tuple[str, ...]] = {
    "D": ("day", "days"),
    "W": ("week", "weeks"),
    "M": ("month", "months"),
    "Y": ("year", "years"),
}
#: the longest period of each unit: a hundred years (anything longer is a typo, and would reach year 9999)
LIMITS: dict[str, int] = {"D": 36_500, "W": 5_200, "M": 1_200, "Y": 100}
#: what module.yaml's valid_for may say to mean "never expires"
NO_EXPIRY = frozenset({"", "none", "never"})
RULE = N_("a number and a unit (days, weeks, months or years), like 12 months")

_WORDS = {word: letter for letter, words in UNITS.items() for word in words}
_TEXT_RE = re.compile(r"^(\d+)\s*([a-z]+)$")
_ISO_RE = re.compile(r"^P(\d+)([DWMY])$")
#: the checker's words for the units (translated on pages): "at least 1 month", "at most 1200 months"
_AT_LEAST_ONE = {
    "D": N_("must be at least 1 day"),
    "W": N_("must be at least 1 week"),
    "M": N_("must be at least 1 month"),
    "Y": N_("must be at least 1 year"),
}
_UNIT_WORDS = {"D": N_("days"), "W": N_("weeks"), "M": N_("months"), "Y": N_("years")}


def parse(text: str | None) -> str | None:
    """The ISO 8601 period for what an author wrote ("12 months" -> "P12M"), None for no expiry.

    Accepts a whole number and a unit in English, singular or plural ("1 year", "90 days"), or a stored
    period ("P12M"). Raises ValueError, with the rule in plain words (a translatable Message), for anything else.
    """
    if text is None:
        return None
    cleaned = " ".join(str(text).split()).lower()
    if cleaned in NO_EXPIRY:
        return None
    iso = _ISO_RE.match(cleaned.upper())
    if iso:
        number, letter = int(iso.group(1)), iso.group(2)
    else:
        match = _TEXT_RE.match(cleaned)
        if match is None or match.group(2) not in _WORDS:
            raise ValueError(N_("must be %(rule)s", rule=RULE))
        number, letter = int(match.group(1)), _WORDS[match.group(2)]
    if number < 1:
        raise ValueError(_AT_LEAST_ONE[letter])
    if number > LIMITS[letter]:
        raise ValueError(N_("must be at most %(limit)s %(unit)s (a hundred years)", limit=LIMITS[letter],
                            unit=_UNIT_WORDS[letter]))
    return f"P{number}{letter}"


def amount(period: str) -> tuple[int, str]:
    """A stored period as its number and unit letter: "P12M" -> (12, "M"). Raises ValueError if malformed."""
    match = _ISO_RE.match(period or "")
    if match is None:
        raise ValueError(f"not a period this service stores: {period!r}")
    return int(match.group(1)), match.group(2)


def add(start: datetime, period: str) -> datetime:
    """``start`` plus ``period``, by the calendar for months and years (the day clamped to the month's
    length); the time of day and the time zone are kept."""
    number, letter = amount(period)
    if letter == "D":
        return start + timedelta(days=number)
    if letter == "W":
        return start + timedelta(weeks=number)
    months = number * 12 if letter == "Y" else number
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def describe(period: str) -> str:
    """The period in English words ("P12M" -> "12 months"), for messages outside a request such as the
    checker's; pages use the translated wording in templates/learning/_certificate.html."""
    number, letter = amount(period)
    singular, plural = UNITS[letter]
    return f"{number} {singular if number == 1 else plural}"
