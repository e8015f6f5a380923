"""/cases and /cases/<slug>: public pages, like the catalogue, served from the in-memory index."""

from __future__ import annotations

from flask import abort, render_template, request
from markupsafe import Markup

from ...i18n import current_language
from . import bp
from .index import case_index
from .labels import COUNTRY_LABELS, RISK_LABELS, SECTOR_LABELS
from .loader import COUNTRIES, RISKS, SECTORS, Case
from .search import read_filters, search

LABELS = {"sector_labels": SECTOR_LABELS, "country_labels": COUNTRY_LABELS, "risk_labels": RISK_LABELS}


def _in_use(values: tuple[str, ...], used: set[str], chosen: str = "") -> list[str]:
    return [value for value in values if value in used or value == chosen]


@bp.get("/cases")
def index():
    cases = case_index()
    language = current_language()
    filters = read_filters(request.args, cases)
    return render_template(
        "cases/index.html",
        found=search(cases, filters, language),
        total=len(cases.cases),
        filters=filters,
        sectors=_in_use(SECTORS, {case.sector for case in cases.cases}, filters.sector),
        countries=_in_use(COUNTRIES, {case.country for case in cases.cases}, filters.country),
        techniques=cases.techniques,
        risks=_in_use(RISKS, {risk for case in cases.cases for risk in case.risks}),
        language=language,
        **LABELS,
    )


@bp.get("/cases/<case_slug>")
def case(case_slug: str):
    cases = case_index()
    found = cases.by_slug.get(case_slug)
    if found is None:
        abort(404)
    return render_template(
        "cases/case.html",
        case=found,
        text=found.text(current_language()),
        lessons=[cases.lessons[lesson] for lesson in found.lessons if lesson in cases.lessons],
        language=current_language(),
        **LABELS,
    )


@bp.app_template_global()
def lesson_cases(module_slug: str, lesson_slug: str) -> tuple[Case, ...]:
    """The cases whose ``lessons`` name this lesson (for the lesson page's aside; no SQL)."""
    return case_index().for_lesson(module_slug, lesson_slug)


@bp.app_template_global()
def lesson_cases_aside(module_slug: str, lesson_slug: str) -> Markup:
    """The lesson page's "Real cases" aside, rendered once per lesson and language and kept with the index
    (it is the same for every learner; rendering it on each lesson page cost more than the rest of the
    lesson's own part)."""
    cases = case_index()
    language = current_language()
    key = (request.script_root, module_slug, lesson_slug, language)
    found = cases.asides.get(key)
    if found is None:
        found = render_template(
            "cases/_lesson_aside.html", real_cases=cases.for_lesson(module_slug, lesson_slug), language=language
        )
        cases.asides[key] = found
    return Markup(found)  # noqa: S704 - our own template's output, escaped when it was rendered
