"""Strings and figures written through literacy.i18n's cheap look-ups say what Flask-Babel's own functions say,
in the language of each request and of ``force_locale`` (macros imported without context included)."""

from __future__ import annotations

import contextvars

from flask import Flask, render_template_string
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as babel_gettext
from flask_babel import lazy_gettext as babel_lazy_gettext
from flask_babel import ngettext as babel_ngettext
from jinja2 import ChoiceLoader, DictLoader

from literacy.i18n import fast_locale, gettext, lazy_gettext, ngettext

MACROS = (
    '{% macro note(count) -%}{{ _("Download CSV") }}|{{ _("No data yet.") }}|'
    '{{ ngettext("%(num)s member", "%(num)s members", count) }}|{{ count|format_number }}{%- endmacro %}'
)
PAGE = '{% from "_i18n_test_macros.html" import note %}{{ note(count) }}|{{ _("Download CSV") }}'


def _with_macros(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader([DictLoader({"_i18n_test_macros.html": MACROS}), app.jinja_loader])


def _request(app: Flask, language: str = "en"):  # type: ignore[no-untyped-def]
    """A request context of its own (a fresh ``g``: Flask-Babel keeps the chosen locale there)."""
    return app.app_context(), app.test_request_context(headers={"Accept-Language": language})


def _page(app: Flask, language: str, count: int) -> str:
    application, request = _request(app, language)
    with application, request:
        return render_template_string(PAGE, count=count)


def test_macros_imported_without_context_translate_in_each_requests_language(app: Flask) -> None:
    _with_macros(app)
    # English, then Welsh, then English again: the imported module is cached by Jinja across requests
    english = _page(app, "en", 1234)
    welsh = _page(app, "cy", 1234)
    assert english == "Download CSV|No data yet.|1234 members|1,234|Download CSV"
    application, request = _request(app, "cy")
    with application, request:
        expected = "|".join(
            [
                babel_gettext("Download CSV"),
                babel_gettext("No data yet."),
                babel_ngettext("%(num)s member", "%(num)s members", 1234),
                format_decimal(1234),
                babel_gettext("Download CSV"),
            ]
        )
    assert welsh == expected and welsh.startswith("Llwytho CSV i lawr|Dim data eto.|")
    assert _page(app, "en", 1) == "Download CSV|No data yet.|1 member|1|Download CSV"


def test_imported_macros_follow_force_locale_within_a_request(app: Flask) -> None:
    _with_macros(app)
    application, request = _request(app, "en")
    with application, request:
        assert render_template_string(PAGE, count=2).startswith("Download CSV|")
        with force_locale("cy"):
            assert render_template_string(PAGE, count=2).startswith("Llwytho CSV i lawr|Dim data eto.|")
        assert render_template_string(PAGE, count=2).startswith("Download CSV|No data yet.|")


def test_imported_macros_escape_as_jinja_does(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [DictLoader({"_i18n_escape.html": '{% macro m() %}{{ _("%(x)s", x="<b>") }}{% endmacro %}'}), app.jinja_loader]
    )
    application, request = _request(app)
    with application, request:
        assert render_template_string('{% from "_i18n_escape.html" import m %}{{ m() }}') == "&lt;b&gt;"


def test_python_gettext_and_lazy_strings_equal_flask_babels(app: Flask) -> None:
    for language in ("en", "cy"):
        application, request = _request(app, language)
        with application, request:
            assert fast_locale() is get_locale()
            assert gettext("Not started") == babel_gettext("Not started")
            assert gettext("Expiring within %(days)s days", days=30) == babel_gettext(
                "Expiring within %(days)s days", days=30
            )
            assert ngettext("%(num)s member", "%(num)s members", 3) == babel_ngettext(
                "%(num)s member", "%(num)s members", 3
            )
            label = lazy_gettext("Not started")
            assert str(label) == str(babel_lazy_gettext("Not started")) == label.__html__()
            if language == "cy":
                assert str(label) == "Heb ddechrau"
                with force_locale("en"):
                    assert str(label) == "Not started" and fast_locale() is get_locale()
                assert str(label) == "Heb ddechrau"


def test_outside_any_app_context_nothing_is_translated() -> None:
    def outside() -> tuple[object, ...]:
        return fast_locale(), gettext("Not started"), babel_gettext("Not started")

    assert contextvars.Context().run(outside) == (None, "Not started", "Not started")
