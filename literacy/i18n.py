"""Interface language and the site's calendar: one owner for "which language" and "what day is it".

The interface language is the person's choice, then the browser's Accept-Language, then the default.
"Today" is the date in the site's time zone (``LITERACY_DEFAULT_TIMEZONE``), for learners' pages,
managers' dashboards and exports alike, so "overdue" means the same on every page near midnight.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Flask, current_app, g, request, session
from flask_babel import format_timedelta, get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from .extensions import babel
from .models.types import utcnow


def available_languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


#: interface language -> the locale used for formatting where it is not the language itself (British dates
#: and numbers for English; every other language formats as its own locale does)
FORMAT_LOCALES = {"en": "en_GB"}


def interface_language() -> str:
    """The person's choice (account, then session), then the browser's Accept-Language."""
    languages = available_languages()
    chosen = session.get("locale")
    user = current_user._get_current_object() if current_user else None  # once, not through the proxy thrice
    if user is not None and getattr(user, "is_authenticated", False) and user.locale:
        chosen = user.locale
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The language of this request's interface ("en", "cy"): pages pick content variants by it."""
    locale = fast_locale()  # a lesson page asks four times: not through g's proxies each time
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


def _request_globals() -> dict | None:
    """``g``'s own attributes, or None outside an app context: one context-variable read, where each access
    through the ``g`` proxy costs a proxy look-up (Flask-Babel makes three or four of them per string)."""
    try:
        return g._get_current_object().__dict__
    except RuntimeError:
        return None


def fast_locale() -> Locale | None:
    """This rendering's locale, as Flask-Babel's ``get_locale()`` returns it (``force_locale`` included):
    read from where Flask-Babel keeps it once it has been chosen, else chosen by ``get_locale()``.

    A dashboard page asks for it over a thousand times (each number, day and string); ``get_locale()``
    costs about 10 µs a call through ``g``, this well under one."""
    found = _request_globals()
    if found is None:
        return None
    locale = getattr(found.get("_flask_babel"), "babel_locale", None)
    return locale if locale is not None else get_locale()


def template_translations():  # type: ignore[no-untyped-def]
    """This rendering's translations (Flask-Babel's ``get_translations()``), looked up once per locale.

    Flask-Babel finds the translations, and the locale's name, through ``g`` on every string: about 9 µs
    each, for hundreds of strings on a dashboard (templates' ``_()``, macros imported without context, lazy
    labels). Keyed by the locale object, so ``force_locale`` (emails in their recipient's language) still
    gets its own.
    """
    found = _request_globals()
    if found is None:
        return get_translations()
    locale = fast_locale()
    cached = found.get("_template_translations")
    if cached is None or cached[0] is not locale:
        cached = (locale, get_translations())
        found["_template_translations"] = cached
    return cached[1]


def gettext(string: str, **variables: object) -> str:
    """Flask-Babel's ``gettext`` (same result), through the translations looked up once per rendering."""
    found = template_translations().ugettext(string)
    return found % variables if variables else found


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """Flask-Babel's ``ngettext`` (same result), through the translations looked up once per rendering."""
    variables.setdefault("num", num)
    return template_translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables: object) -> LazyString:
    """Flask-Babel's ``lazy_gettext`` (the same lazy string, translated when shown) through :func:`gettext`:
    for labels defined at import and shown hundreds of times a page (a dashboard's statuses)."""
    return LazyString(gettext, string, **variables)


#: at most this many finished strings per language (the templates have about a thousand; a string made at run
#: time and passed to ``_()`` must not grow the cache without end)
PLAIN_STRINGS_KEPT = 5_000


def _rendering_gettext(translate, plain: dict[str, Markup] | None = None):  # type: ignore[no-untyped-def]
    """A template's ``_()`` bound to one rendering's translations, as Jinja's new-style gettext behaves
    (escaped under autoescape, always a format string): put in each page's context, so its strings cost a
    dictionary lookup instead of finding the request's translations again for each one. Macros imported
    without context see the environment's instead: the same function over :func:`template_translations`.

    ``plain`` keeps the finished string of each ``_()`` without variables (a page has twenty of them, the
    same on every page): it belongs to one language's translations, which Flask-Babel keeps for the process.
    """

    @pass_context
    def gettext(context, string, **variables):  # type: ignore[no-untyped-def]
        autoescape = context.eval_ctx.autoescape
        if plain is not None and autoescape and not variables:
            done = plain.get(string)
            if done is None:
                done = Markup(translate(string)) % variables  # noqa: S704 - as below
                if len(plain) < PLAIN_STRINGS_KEPT:
                    plain[string] = done
            return done
        found = translate(string)
        if autoescape:
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
    # what macros imported without context call for _() and ngettext(): Jinja's own new-style wrappers
    # around the above, without the extra call through the context for every string
    app.jinja_env.globals["gettext"] = _rendering_gettext(lambda s: template_translations().ugettext(s))
    app.jinja_env.globals["ngettext"] = _rendering_ngettext(lambda s, p, n: template_translations().ungettext(s, p, n))

    @app.context_processor
    def language_context() -> dict[str, object]:
        translations = get_translations()  # of this rendering's locale (force_locale included)
        return {
            "current_language": current_language(),
            "languages": app.config["LANGUAGES"],
            # a template's _() and ngettext() resolve these before the environment's (see _rendering_gettext)
            "gettext": _rendering_gettext(translations.ugettext, _plain_strings(translations)),
            "ngettext": _rendering_ngettext(translations.ungettext),
        }


def _plain_strings(translations) -> dict[str, Markup]:  # type: ignore[no-untyped-def]
    """The finished strings without variables of one language's translations (see _rendering_gettext)."""
    found = translations.__dict__.get("_literacy_plain_strings")
    if found is None:
        found = translations.__dict__["_literacy_plain_strings"] = {}
    return found


def init_filters(app: Flask) -> None:
    """Locale-aware formatting for templates: numbers and dates written the local way."""
    from flask_babel import format_date, format_percent

    # format_number is literacy.templating's (Flask-Babel's format_decimal's output, written cheaply)
    app.jinja_env.filters["format_date"] = lambda value, style="long": format_date(value, style)
    app.jinja_env.filters["format_percent"] = format_percent
