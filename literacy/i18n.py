"""Interface language and the site's calendar: one owner for "which language" and "what day is it".

The interface language is the person's choice, then the browser's Accept-Language, then the default.
"Today" is the date in the site's time zone (``LITERACY_DEFAULT_TIMEZONE``), for learners' pages,
managers' dashboards and exports alike, so "overdue" means the same on every page near midnight.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request, session
from flask_babel import format_timedelta, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from .extensions import babel
from .models.types import utcnow


def available_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


#: interface language -> the locale used for formatting (British dates and numbers for English)
FORMAT_LOCALES = {"en": "en_GB", "cy": "cy"}


def interface_language() -> str:
    """The person's choice (account, then session), then the browser's Accept-Language."""
    languages = available_languages()
    chosen = session.get("locale")
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        chosen = current_user.locale
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The language of this request's interface ("en", "cy"): pages pick content variants by it."""
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def duration(minutes: int) -> str:
    """'2 hours', '90 minutes', '48 hours' in the reader's language: whole hours when it is whole hours,
    never rounded (pages and emails that say how long a link works)."""
    unit = "hour" if minutes % 60 == 0 else "minute"
    # A threshold no value reaches makes Babel use the granularity unit itself (no rounding to days).
    return format_timedelta(timedelta(minutes=minutes), granularity=unit, threshold=10**9)


def today() -> date:
    """Today's date where the site is (``LITERACY_DEFAULT_TIMEZONE``), not where the server's clock is."""
    return utcnow().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def select_locale() -> str:
    language = interface_language()
    return FORMAT_LOCALES.get(language, language)


def template_translations():  # type: ignore[no-untyped-def]
    """This request's translations for templates' ``_()`` and ``ngettext()``, looked up once per locale.

    Flask-Babel's own template functions look up the translations, and the locale's name, through ``g`` on
    every call: about 9 µs each, for 20-90 strings a page. Keyed by the locale object, so ``force_locale``
    (emails in their recipient's language) still gets its own.
    """
    if not g:
        return get_translations()
    locale = get_locale()
    found = g.get("_template_translations")
    if found is None or found[0] is not locale:
        found = (locale, get_translations())
        g._template_translations = found
    return found[1]


def _rendering_gettext(translate):  # type: ignore[no-untyped-def]
    """A template's ``_()`` bound to one rendering's translations, as Jinja's new-style gettext behaves
    (escaped under autoescape, always a format string): put in each page's context, so its strings cost a
    dictionary lookup instead of finding the request's translations again for each one (macros imported
    without context use the environment's, which find them)."""

    @pass_context
    def gettext(context, string, **variables):  # type: ignore[no-untyped-def]
        found = translate(string)
        if context.eval_ctx.autoescape:
            found = Markup(found)  # noqa: S704 - translations are trusted, as in Jinja's own gettext
        return found % variables

    return gettext


def _rendering_ngettext(translate):  # type: ignore[no-untyped-def]
    """The same for ``ngettext()`` (``num`` is the count unless given)."""

    @pass_context
    def ngettext(context, singular, plural, count, **variables):  # type: ignore[no-untyped-def]
        variables.setdefault("num", count)
        found = translate(singular, plural, count)
        if context.eval_ctx.autoescape:
            found = Markup(found)  # noqa: S704 - translations are trusted, as in Jinja's own gettext
        return found % variables

    return ngettext


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    init_filters(app)
    app.jinja_env.install_gettext_callables(  # as Flask-Babel's, with the lookup done once (see above)
        gettext=lambda s: template_translations().ugettext(s),
        ngettext=lambda s, p, n: template_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: template_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: template_translations().unpgettext(c, s, p, n),
    )

    @app.context_processor
    def language_context() -> dict[str, object]:
        translations = get_translations()  # of this rendering's locale (force_locale included)
        return {
            "current_language": current_language(),
            "languages": app.config["LANGUAGES"],
            # a template's _() and ngettext() resolve these before the environment's (see _rendering_gettext)
            "gettext": _rendering_gettext(translations.ugettext),
            "ngettext": _rendering_ngettext(translations.ungettext),
        }


def init_filters(app: Flask) -> None:
    """Locale-aware formatting for templates: numbers and dates written the local way."""
    from flask_babel import format_date, format_decimal, format_percent

    app.jinja_env.filters["format_number"] = format_decimal
    app.jinja_env.filters["format_date"] = lambda value, style="long": format_date(value, style)
    app.jinja_env.filters["format_percent"] = format_percent
