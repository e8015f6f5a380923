"""The legal dates page, and the rule that no lesson calls a past date "coming" (issue 19)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.dates import format_date

from literacy.site.legal_dates import LAST_CHECKED, SECTIONS

from .conftest import COURSES

EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]
CY_MONTHS = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi", "Hydref",
             "Tachwedd", "Rhagfyr"]
SV_MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december"]
MONTHS = {m: i for names in (EN_MONTHS, CY_MONTHS, SV_MONTHS) for i, m in enumerate(names, 1)}
DATE_RE = re.compile(r"\b(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})\b")
FUTURE_RE = re.compile(
    r"\b(will (?:apply|start|begin|come|take effect)|(?:is|are) coming|comes? into force (?:on|from)|"
    r"from next (?:month|year)|next month|later this year|ha(?:s|ve) until|yn dod i rym ar|y mis nesaf|"
    r"bydd yn (?:gymwys|dechrau)|kommer att (?:gälla|börja)|ska börja gälla|träder i kraft den|nästa månad)\b",
    re.IGNORECASE)


def past_dates_called_future(text: str, today: date) -> list[str]:
    """Sentences that name a date before ``today`` and speak of it in the future tense."""
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text)):
        past = [m for m in DATE_RE.finditer(sentence)
                if date(int(m[3]), MONTHS[m[2]], int(m[1])) < today]
        if past and FUTURE_RE.search(sentence):
            found.append(sentence)
    return found


def lessons(modules: tuple[str, ...] | None = None) -> list[Path]:
    return [p for p in sorted(COURSES.glob("*/*.md"))
            if p.name.split(".")[0] not in ("quiz", "precheck") and (modules is None or p.parent.name in modules)]


@pytest.mark.parametrize(("text", "flagged"), [
    ("Two new bans will apply from 2 December 2026.", True),
    ("Older systems have until 2 December 2026 to comply.", True),
    ("The rules are coming on 5 February 2026, from next month.", True),
    ("Bydd yn gymwys o 2 Awst 2026 ymlaen.", True),
    ("Reglerna kommer att gälla från 2 augusti 2026.", True),
    ("Reglerna gäller sedan 2 augusti 2026.", False),
    ("Two new bans have applied since 2 December 2026.", False),
    ("The high-risk rules will apply from 2 December 2030.", False),
    ("It applied from 2 February 2025. Other rules will apply later.", False),
])
def test_the_rule_flags_only_past_dates_in_future_wording(text, flagged):
    assert bool(past_dates_called_future(text, date(2026, 12, 3))) is flagged


@pytest.mark.parametrize("path", lessons(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_lesson_calls_a_past_date_coming(path):
    assert past_dates_called_future(path.read_text(encoding="utf-8"), date.today()) == []


def test_the_page_itself_never_calls_a_past_date_coming(app):
    with app.test_request_context("/"):  # the texts are lazy: read them in English, as a request would
        for section in SECTIONS:
            for item in section.dates:
                assert not FUTURE_RE.search(str(item.what)), item.what


def page_dates(locale: str) -> set[str]:
    return {format_date(d.day, "d MMMM y", locale=locale) for s in SECTIONS for d in s.dates if not d.year_only}


@pytest.mark.parametrize("path", lessons(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_lesson_that_cites_a_legal_date_links_the_page(path):
    text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
    parts = path.name.split(".")  # LESSON.md, or LESSON.LANG.md for a translation
    # a whole date: "11 July 2022" (a case's source) does not cite the page's "1 July 2022"
    if any(re.search(rf"(?<!\d){re.escape(day)}", text) for day in page_dates(parts[1] if len(parts) == 3 else "en")):
        assert "](/legal-dates)" in text


def test_anyone_can_read_the_page_with_its_last_checked_date(client):
    response = client.get("/legal-dates")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<h1 class="heading-l">Legal dates</h1>' in page and len(re.findall(r"<h1[\s>]", page)) == 1
    assert "Last checked: 2 December 2026" in page and date.today() >= LAST_CHECKED
    for section in SECTIONS:
        assert f'id="{section.id}"' in page and all(s.url in page for s in section.sources)
    for day in page_dates("en"):
        assert f"<th scope=\"row\">{day}</th>" in page


def test_the_page_in_welsh(client):
    page = client.get("/legal-dates", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert '<html lang="cy">' in page
    assert "2 Rhagfyr 2027" in page and "Dyddiadau cyfreithiol" in page
