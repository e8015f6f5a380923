"""A module's title in the page's language where the module has one, carrying the language it is in.

Pages mark text that is not in the page's language with ``lang`` (WCAG 3.1.2), so a Welsh dashboard shows
"Hanfodion AI" where the module has a Welsh title and an English-only module's title as ``lang="en"``. The
title is picked from the version's texts already read with it: no query of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_request_context


class InLanguage(str):
    """Text that knows its language (``lang``), and is otherwise a plain string (tables, CSV files, sorting)."""

    lang: str

    def __new__(cls, text: str, lang: str = "") -> InLanguage:
        made = super().__new__(cls, text)
        made.lang = lang
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (InLanguage, (str(self), self.lang))


def title_in(texts: Mapping[str, Any], primary: str, language: str) -> InLanguage:
    """The title in ``language`` when the version has one, else in its primary language, with its language."""
    own = (texts.get(language) or {}).get("title")
    if own:
        return InLanguage(own, language)
    return InLanguage((texts.get(primary) or {}).get("title") or "", primary)


def page_language() -> str:
    """The interface language of this request; the site's default outside one (a command, a test's call)."""
    if has_request_context():
        from .i18n import current_language

        return current_language()
    return current_app.config["BABEL_DEFAULT_LOCALE"]
