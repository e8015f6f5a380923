"""The dashboards' cheap number and day formatting writes exactly what Flask-Babel's own functions write, in
every language the site offers and in locales that group digits otherwise (literacy/templating.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask_babel import force_locale, format_date, format_decimal

from literacy.tables import Suppressed
from literacy.templating import dashboard_cell, format_number

WHOLE = [0, 1, -1, 7, 999, 1000, -1000, 1234, 9999, 10000, 12345, 99999, 100000, 123456, 1234567, -98765432, 10**12]
FRACTIONS = [0.0, 1.0, 0.5, -0.25, 12.5, 73.4, 99.95, 1234.5, 0.1234, 2 / 3, 1e7 + 0.5, -1234567.891]
DAYS = [date(2026, 1, 1), date(2026, 12, 1), date(1999, 6, 30)]
MOMENTS = [datetime(2026, 12, 1, 23, 59, tzinfo=UTC), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)]


@pytest.mark.parametrize("language", ["en", "cy", "es", "de", "hi", "ar", "fr"])
def test_numbers_and_days_as_flask_babel_writes_them(app: Flask, language: str) -> None:
    with app.test_request_context(), force_locale(language):
        for value in WHOLE + [-value for value in WHOLE] + FRACTIONS:
            assert dashboard_cell(value) == format_decimal(value), (language, value)
            assert format_number(value) == format_decimal(value), (language, value)
        for value in DAYS + MOMENTS:
            assert dashboard_cell(value) == format_date(value, "d MMM yyyy"), (language, value)


def test_one_and_one_point_zero_are_kept_apart(app: Flask) -> None:
    """1 and 1.0 are equal as cache keys; Babel writes both as "1", and a float that rounds stays a float."""
    with app.test_request_context(), force_locale("en"):
        assert dashboard_cell(1.0) == format_decimal(1.0)
        assert dashboard_cell(1) == "1"
        assert dashboard_cell(1.2345) == format_decimal(1.2345) == "1.234"


def test_the_language_of_each_request(app: Flask) -> None:
    """A value formatted in one language is not served from the cache in another."""
    with app.test_request_context():
        with force_locale("de"):
            assert dashboard_cell(1234.5) == "1.234,5"
            assert dashboard_cell(12345) == "12.345"
        with force_locale("en"):
            assert dashboard_cell(1234.5) == "1,234.5"
            assert dashboard_cell(12345) == "12,345"
        with force_locale("cy"):
            day = dashboard_cell(date(2026, 12, 1))
            assert day == format_date(date(2026, 12, 1), "d MMM yyyy")
        with force_locale("en"):
            assert dashboard_cell(date(2026, 12, 1)) == "1 Dec 2026" != day


def test_moments_are_days_where_the_reader_is(app: Flask) -> None:
    """A moment near midnight is shown on the reader's day, as Flask-Babel rebases it."""
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/London"
    with app.test_request_context(), force_locale("en"):
        summer = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
        assert dashboard_cell(summer) == format_date(summer, "d MMM yyyy") == "2 Jul 2026"
        assert dashboard_cell(summer - timedelta(hours=1)) == "1 Jul 2026"


def test_other_cells(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        assert dashboard_cell(None) == "–"
        assert dashboard_cell(True) == "True"
        assert dashboard_cell("Module 1") == "Module 1"
        assert dashboard_cell(Suppressed(5)) == "fewer than 5"
