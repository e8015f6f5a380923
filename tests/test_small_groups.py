"""Small groups: an organisation of fewer people than the threshold shows no exact count anywhere on its
overview page (the text, the role list, the tables, the charts' labels and descriptions) nor in its CSVs.

Before, the page said "this organisation's 4 people" beside a table showing "fewer than 5".
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser

import pytest

from literacy.organisations import dashboard as org_dashboard
from literacy.organisations.views import ORGANISATION_EXPORTS
from literacy.tables import Suppressed

from .cohorts_support import complete, make_cohort, make_module, make_people

EDITION = 7  # the modules' edition is shown too: a number that is not about people
SMALL_COUNTS = {"1", "2", "3", "4"}
DATE_RE = re.compile(r"\b\d{1,2} [A-Z][a-z]{2,8} \d{4}\b|\b\d{4}-\d{2}-\d{2}\b")


class _MainText(HTMLParser):
    """The text inside <main>, SVG titles, descriptions and labels included."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "main" or self.depth:
            self.depth += 1 if tag not in ("br", "img", "input", "rect", "hr", "meta", "link") else 0

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in ("br", "img", "input", "rect", "hr", "meta", "link"):
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,]\d+)?", DATE_RE.sub(" ", text)))


def _where(text: str, numbers: set[str]) -> list[str]:
    """The text around each of ``numbers``, for the failure message."""
    plain = re.sub(r"\s+", " ", DATE_RE.sub(" ", text))
    return [plain[max(0, m.start() - 80) : m.end() + 20] for m in re.finditer(r"\d+", plain) if m.group() in numbers]


@pytest.fixture
def small(make_organisation, make_user):
    """Four people (three learners and a manager), a cohort of three, and two of them in another's cohort."""
    org = make_organisation("tiny", "Tiny organisation")
    central = make_organisation("central", "Central team")
    make_user("manager@tiny.example", organisation=org, roles=("manager",))
    people = make_people(org, 3)
    others = make_people(central, 6, "other")
    basics = make_module("basics", edition=EDITION)
    make_module("law", edition=EDITION)
    make_cohort(org, "Our cohort", people, [(basics, date(2026, 12, 1))])
    make_cohort(central, "Cross-government", people[:2] + others, [(basics, None)])
    for person in people[:2] + others:
        complete(person, basics, edition=EDITION, percent=90)
    return org


def test_no_exact_count_on_the_overview_page(app, client, auth, small):
    auth.sign_in("manager@tiny.example")
    page = client.get("/organisations/tiny/").get_data(as_text=True)
    parser = _MainText()
    parser.feed(page)
    text = " ".join(parser.parts).replace("Article 4 of the EU AI Act", "the EU AI Act")  # not a count
    text = text.replace("within 30 days", "within the warning period")  # nor is "Expiring within 30 days"
    assert "Cross-government" in text and "Our cohort" in text  # every table is there
    assert "fewer than 5" in text and "people (fewer than 5)" in text
    assert not _numbers(text) & SMALL_COUNTS, _where(text, SMALL_COUNTS)
    assert _numbers(text) <= {"0", "5", str(EDITION)}, sorted(_numbers(text))


def test_no_exact_count_in_the_organisation_csvs(app, client, auth, small):
    auth.sign_in("manager@tiny.example")
    for name in ORGANISATION_EXPORTS:
        response = client.get(f"/organisations/tiny/dashboard/{name}.csv")
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert len(rows) >= 2, name
        cells = " ".join(cell for row in rows for cell in row)
        assert not _numbers(cells) & SMALL_COUNTS, (name, rows)


def test_the_dashboard_hides_the_headcount_and_role_counts(app, small):
    data = org_dashboard.organisation_dashboard(small, date(2026, 11, 23), threshold=5)
    assert data.people == 4  # known to the tables, never shown
    assert data.headcount == Suppressed(5) and data.small
    assert data.roles["learner"] == Suppressed(5) and data.roles["manager"] == Suppressed(5)
    assert data.roles["trainer"] == 0  # nobody is not a small group
    shown = org_dashboard.organisation_dashboard(small, date(2026, 11, 23), threshold=2)
    assert shown.headcount == 4 and not shown.small and shown.roles["learner"] == 3


@pytest.mark.parametrize("app_config", [{"SMALL_GROUP_THRESHOLD": "3"}])
def test_a_large_enough_organisation_shows_its_headcount(app, client, auth, small):
    auth.sign_in("manager@tiny.example")
    page = client.get("/organisations/tiny/").get_data(as_text=True)
    assert "this organisation&#39;s 4 people" in page or "this organisation's 4 people" in page
    people = page[page.index(">People<") : page.index("AI-literacy coverage")]
    assert ">3<" in people and "fewer than 3" in people  # three learners; one manager is hidden
