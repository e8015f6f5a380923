"""Parts of the cohort dashboard written in Python rather than Jinja: they repeat for every question."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup, escape

from ..i18n import current_language, fast_locale
from ..i18n import gettext as _
from ..statistics import QuestionStatistics
from ..templating import discrimination_in_words, facility_in_words, format_number


def question_details(module: object, items: Iterable[QuestionStatistics]) -> Markup:
    """A module's questions on the dashboard: each a ``<details>`` with its text, its share right and
    whether it separates stronger and weaker learners, and a table of the times each option was chosen
    (in the table region of ``_tables.html``'s ``responsive_table``). The same HTML the Jinja loop wrote,
    at a tenth of its cost: a dashboard has dozens of questions and each was several macro calls (about
    8 ms of a 500-member dashboard's 45). Texts are in the module's language, marked when it is not the
    page's."""
    language, locale = getattr(module, "language", None), fast_locale()
    lang = f' lang="{escape(language)}"' if language != current_language() else ""
    module_id = escape(getattr(module, "module_id", ""))
    share_right = Markup(_("Share who got it right: %(share)s."))  # noqa: S704 - trusted, as in the templates' _()
    separates = Markup(_("Does it separate stronger and weaker learners? %(answer)s"))  # noqa: S704 - as above
    caption = Markup(_("Options chosen"))  # noqa: S704 - as above
    head = (
        f'<thead><tr><th scope="col">{Markup(_("Option"))}</th>'  # noqa: S704 - as above
        f'<th scope="col" class="numeric">{Markup(_("Times chosen"))}</th></tr></thead>'  # noqa: S704 - as above
    )
    correct = f' <strong class="tag tag--green">{Markup(_("Correct"))}</strong>'  # noqa: S704 - as above
    parts = []
    for item in items:
        key = escape(item.key)
        summary_id, table_id = f"question-{module_id}-{key}", f"options-{module_id}-{key}"
        share = share_right % {"share": facility_in_words(item.stats.facility)}
        answer = separates % {"answer": discrimination_in_words(item.stats.discrimination)}
        parts.append(
            f'\n  <details class="details question-stats">'
            f'\n    <summary id="{summary_id}"><span{lang}>{_text(item.prompt_html)}</span>'
            f'\n      <span class="question-stats__figures">{share} {answer}</span></summary>'
            f'\n    <div class="table-scroll" role="region" tabindex="0" aria-labelledby="{table_id}-caption'
            f' {summary_id}">\n<table class="table">'
            f'\n  <caption id="{table_id}-caption" class="visually-hidden">{caption}</caption>'
            f"\n      {head}\n      <tbody>\n      "
        )
        for option in item.options:
            parts.append(
                f'\n        <tr><th scope="row"><span{lang}>{_text(option.html)}</span>'
                f"{correct if option.is_correct else ''}</th>"
                f'<td class="numeric">{escape(format_number(option.count, locale))}</td></tr>\n      '
            )
        parts.append("\n      </tbody>\n    \n</table>\n</div>\n  </details>\n  ")
    return Markup("".join(parts))  # noqa: S704 - every value in it was escaped


@lru_cache(maxsize=4096)
def _text(html: str) -> Markup:
    """A question's or option's (sanitised) markup as its text, escaped, as Jinja's ``striptags`` filter
    writes it; kept per text, since the same questions are shown on every request."""
    return escape(Markup(html).striptags())  # noqa: S704 - sanitised markup, only its text is kept
