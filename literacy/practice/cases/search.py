"""Filtering and searching the case library: a GET form's values, read leniently (unknown values are ignored)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from .index import CaseIndex
from .loader import COUNTRIES, RISKS, SECTORS, Case

MAX_QUERY = 200


@dataclass(frozen=True)
class Filters:
    q: str = ""
    sector: str = ""
    country: str = ""
    technique: str = ""
    risks: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.q or self.sector or self.country or self.technique or self.risks)


def read_filters(args: MultiDict[str, str], index: CaseIndex) -> Filters:
    """The filters in a query string; a value that is not offered counts as not chosen."""
    def one(name: str, allowed: Iterable[str]) -> str:
        value = args.get(name, "")
        return value if value in allowed else ""

    risks = tuple(risk for risk in RISKS if risk in args.getlist("risk"))
    query = " ".join(args.get("q", "")[:MAX_QUERY].split())
    return Filters(query, one("sector", SECTORS), one("country", COUNTRIES), one("technique", index.techniques),
                   risks)


def matches(case: Case, filters: Filters, language: str) -> bool:
    """Every chosen filter holds (a case with any one of the chosen risks passes the risks), and every word of
    the search is in the case's title, summary, organisation or text (in the page's language or in English)."""
    if filters.sector and case.sector != filters.sector:
        return False
    if filters.country and case.country != filters.country:
        return False
    if filters.technique and filters.technique not in case.techniques:
        return False
    if filters.risks and not set(filters.risks) & set(case.risks):
        return False
    if filters.q:
        haystack = " ".join((case.text(language).search_text, case.text("en").search_text,
                             case.organisation.lower()))
        return all(word in haystack for word in filters.q.lower().split())
    return True


def search(index: CaseIndex, filters: Filters, language: str) -> list[Case]:
    return [case for case in index.cases if matches(case, filters, language)]
