"""Template helpers that pages of several areas use, registered on the app (not by one blueprint)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale, dates, numbers
from flask import Flask
from flask_babel import to_user_timezone
from markupsafe import Markup, escape

from .content.kinds import Kind
from .content.model import KINDS
from .i18n import current_language, fast_locale
from .i18n import gettext as _
from .tables import Suppressed, Table

DAY_FORMAT = "d MMM yyyy"
# whole numbers Babel must write as Python's "{:,}" does (with the locale's group sign) before that is trusted
GROUPING_SAMPLES = (0, 7, -7, 999, 1000, -1000, 1234, 12345, 123456, 1234567, -1234567890)


LocaleKey = tuple[str, str | None, str | None, str | None, str | None]


def _key(locale: Locale) -> LocaleKey:
    """A locale as a plain tuple: cheap to hash and compare, where comparing ``Locale`` objects is not."""
    return (locale.language, locale.territory, locale.script, locale.variant, locale.modifier)


@lru_cache(maxsize=64)
def _group_sign(key: LocaleKey) -> str | None:
    """The locale's group sign when Babel writes every sample whole number of it as ``{:,}`` does (English
    and Welsh do), else None: those are then written without Babel, which parses its pattern and quantizes
    a Decimal on every call (a dashboard page has over a thousand numbers)."""
    locale = Locale(*key)
    group = numbers.get_group_symbol(locale)
    for sample in GROUPING_SAMPLES:
        if numbers.format_decimal(sample, locale=locale) != f"{sample:,}".replace(",", group):
            return None
    return group


@lru_cache(maxsize=4096)
def _babel_number(key: LocaleKey, kind: type, value: float | int) -> str:
    del kind  # in the cache's key only, so that 1 and 1.0 (equal as keys) are kept apart
    return numbers.format_decimal(value, locale=Locale(*key))


@lru_cache(maxsize=4096)
def _babel_pattern(key: LocaleKey, percent: bool, pattern: str, kind: type, value: float | int) -> str:
    """A number in an explicit Babel pattern (a percentage when ``percent``), once per process, language,
    pattern and value: Babel parses the pattern on every call (a dashboard has two such figures a question)."""
    del kind  # as in _babel_number
    write = numbers.format_percent if percent else numbers.format_decimal
    return write(value, format=pattern, locale=Locale(*key))


def _patterned(value: float | int, pattern: str, *, percent: bool = False) -> str:
    """Flask-Babel's ``format_decimal(value, pattern)`` (or ``format_percent``), memoised (``_babel_pattern``)."""
    locale = fast_locale()
    if locale is None:
        return (numbers.format_percent if percent else numbers.format_decimal)(value, format=pattern, locale=None)
    return _babel_pattern(_key(locale), percent, pattern, type(value), value)


@lru_cache(maxsize=4096)
def _babel_day(key: LocaleKey, day: date) -> str:
    return dates.format_date(day, DAY_FORMAT, locale=Locale(*key))


def format_number(value: int | float, locale: Locale | None = None) -> str:
    """A number as Flask-Babel's ``format_decimal`` writes it in the request's language, cheaply: whole
    numbers through the locale's group sign when it groups as ``{:,}`` does, others through Babel once per
    process, language and value."""
    locale = locale or fast_locale()
    if locale is None:  # outside a request: Babel's own default
        return numbers.format_decimal(value)
    key = _key(locale)
    if type(value) is int:
        group = _group_sign(key)
        if group is not None:
            return f"{value:,}".replace(",", group)
    return _babel_number(key, type(value), value)


def format_day(value: date, locale: Locale | None = None) -> str:
    """A day (of a moment: its day where the reader is, as Flask-Babel's ``format_date`` rebases it) as
    "1 Dec 2026" in the request's language, through Babel once per process, language and day."""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    locale = locale or fast_locale()
    if locale is None:
        return dates.format_date(value, DAY_FORMAT)
    return _babel_day(_key(locale), value)


def dashboard_cell(value: object, locale: Locale | None = None) -> str:
    """A dashboard figure as shown: locale-formatted (in ``locale``, default the request's), and "fewer
    than N" for a hidden one."""
    if value is None:
        return "–"
    if isinstance(value, Suppressed):
        return _("fewer than %(number)s", number=value.threshold)
    if isinstance(value, datetime | date):
        return format_day(value, locale)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_number(value, locale)
    return str(value)


def table_body(table: Table, limit: int | None = None) -> Markup:
    """A dashboard table's ``<tbody>``: each row's first cell a row heading, numeric columns marked, a
    cell in another language than the page's in a ``<span lang>``, every value as ``dashboard_cell``
    writes it. Written here rather than in the macro: a page has over a thousand cells, and each one
    through Jinja's macro calls, attribute look-ups and filters cost about ten times as much."""
    rows = table.rows[:limit] if limit else table.rows
    if not rows:
        message = escape(_("No data yet."))
        return Markup(f'<tbody><tr><td colspan="{len(table.columns)}">{message}</td></tr></tbody>')  # noqa: S704 - escaped
    page_language, locale = current_language(), fast_locale()
    opening = ["<td>" if not column.numeric else '<td class="numeric">' for column in table.columns]
    opening[0] = '<th scope="row">'
    parts = ["<tbody>"]
    for row in rows:
        parts.append("<tr>")
        for index, value in enumerate(row):
            language = getattr(value, "lang", None)
            if language and language != page_language:
                shown = f'<span lang="{escape(language)}">{escape(value)}</span>'
            else:
                shown = escape(dashboard_cell(value, locale))
            parts.append(f"{opening[index]}{shown}{'</th>' if index == 0 else '</td>'}")
        parts.append("</tr>")
    parts.append("</tbody>")
    return Markup("".join(parts))  # noqa: S704 - every value in it went through escape()


def number_filter(value: int | float, format: str | None = None) -> str:  # noqa: A002 - Flask-Babel's name
    """The templates' ``format_number`` filter: Flask-Babel's ``format_decimal`` (an explicit Babel pattern
    goes to it), written through :func:`format_number` otherwise."""
    if format is not None:
        return _patterned(value, format)
    return format_number(value)


def facility_in_words(facility: float | None) -> Markup:
    """The share who got a question right, as the trainers' statistics and the cohort dashboards say it
    (``_statistics.html``'s ``facility_words``): a percentage with at most one decimal."""
    if facility is None:
        return Markup(_("No answers yet"))  # noqa: S704 - translations are trusted, as in the templates' _()
    return escape(_patterned(facility, "#,##0.#%", percent=True))


def discrimination_in_words(value: float | None) -> Markup:
    """Whether a question separates stronger and weaker learners, in words with the correlation in brackets
    (``_statistics.html``'s ``discrimination_words``); below 0.2 is the usual sign of a question worth a look.
    In Python for the dashboards, which show it for every question."""
    if value is None:
        return Markup(_("Cannot tell yet: too few answers, or everyone scored alike"))  # noqa: S704 - as above
    if value >= 0.3:
        words = _("Yes, clearly (%(value)s)")
    elif value >= 0.2:
        words = _("Somewhat (%(value)s)")
    elif value >= 0:
        words = _("Hardly (%(value)s)")
    else:
        words = _("No: stronger learners got it wrong more often (%(value)s)")
    return Markup(words) % {"value": number_filter(value, "0.00")}  # noqa: S704 - the value is escaped


def question_kind(name: str) -> Kind:
    """The registered kind of a question, so every page that shows one (the assessment, the pre-check,
    the lessons' checks and the trainers' preview) takes its partial and "has options" from the registry."""
    return KINDS[name]


def init_app(app: Flask) -> None:
    app.add_template_filter(dashboard_cell, "dashboard_cell")
    app.add_template_global(table_body, "table_body")
    app.add_template_filter(number_filter, "format_number")  # in place of i18n's Flask-Babel one
    app.add_template_global(question_kind, "question_kind")
    app.add_template_global(facility_in_words, "facility_in_words")
    app.add_template_global(discrimination_in_words, "discrimination_in_words")
