"""The case library (issue 21): the checker's rules by file and line, the real cases, the pages, the lesson aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from literacy.content import CASES_FOLDER
from literacy.content.problems import Problems
from literacy.practice.cases import index as case_index_module
from literacy.practice.cases.loader import load_cases, parse_cases
from literacy.publishing import sync_courses

from .support.modules import write_module
from .test_lesson_reads import statements_of

COURSES = Path(__file__).resolve().parents[1] / "literacy" / "courses"

HEADER = """---
title: {title}
summary: {summary}
sector: {sector}
country: {country}
organisation: {organisation}
year: 2020
techniques: [{technique}]
risks: [{risks}]
sources:
  - title: A report about it
    url: https://example.org/report
    accessed: 2026-12-03
  - title: A judgment
    url: https://example.org/judgment
lessons: [{lessons}]
---
"""
BODY = """
## What was done

{done}

## Outcome

It was stopped.

## What went well or wrong

People were not told.

## Lessons

Tell people.
"""
WELSH = """---
title: {title}
summary: Crynodeb yn Gymraeg.
---

## Beth a wnaed

Defnyddiwyd offeryn.

## Y canlyniad

Fe'i stopiwyd.

## Beth aeth yn dda neu o chwith

Ni ddywedwyd wrth bobl.

## Gwersi

Dywedwch wrth bobl.
"""


def case_text(**values: str) -> str:
    fields = {"title": "A test case", "summary": "What happened.", "sector": "benefits", "country": "netherlands",
              "organisation": "The Test Agency", "technique": "risk scoring", "risks": "bias, transparency",
              "lessons": "", "done": "A tool scored people."}
    fields.update(values)
    return HEADER.format(**fields) + BODY.format(**fields)


def parse(files: dict[str, str], known_lessons=None) -> list[str]:
    problems = Problems("cases")
    result = parse_cases({name: text.encode() for name, text in files.items()}, problems, known_lessons=known_lessons)
    return [str(problem) for problem in result.problems]


def test_a_valid_case_and_its_translation_load():
    problems = Problems("cases")
    result = parse_cases({"a-case.md": case_text().encode(), "a-case.cy.md": WELSH.format(title="Achos").encode()},
                         problems)
    assert result.problems == []
    (case,) = result.cases
    assert case.slug == "a-case" and case.risks == ("bias", "transparency") and case.year == 2020
    assert [heading for heading, _html in case.text("en").sections] == [
        "What was done", "Outcome", "What went well or wrong", "Lessons"]
    assert case.text("cy").title == "Achos" and case.text("cy").sections[0][0] == "Beth a wnaed"
    assert case.text("sv").language == "en"  # no Swedish file: English
    assert case.sources[0].accessed.isoformat() == "2026-12-03" and case.sources[1].accessed is None
    assert "<p>A tool scored people.</p>" in case.text("en").sections[0][1]


@pytest.mark.parametrize(("change", "expected"), [
    ({"sector": "farming"}, 'cases/a-case.md:4: "farming" is not one of the sector'),
    ({"country": "mars"}, 'cases/a-case.md:5: "mars" is not one of the country'),
    ({"risks": "bias, luck"}, 'cases/a-case.md:9: "luck" is not one of the risks'),
    ({"summary": "x" * 301}, 'cases/a-case.md:3: "summary" must be at most 300 characters'),
    ({"lessons": "nowhere/nothing"}, 'cases/a-case.md:16: no lesson "nowhere/nothing"'),
    ({"done": "<script>alert(1)</script>Fine."}, None),
])
def test_each_rule_names_the_file_and_line(change, expected):
    problems = parse({"a-case.md": case_text(**change)}, known_lessons=set())
    if expected is None:
        assert problems == []
        return
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_the_header_rules_name_their_lines():
    text = case_text().replace("year: 2020", "year: twenty").replace("https://example.org/report", "ftp://x")
    text = text.replace("organisation: The Test Agency\n", "")
    problems = parse({"a-case.md": text})
    assert 'cases/a-case.md:1: the header is missing "organisation"' in problems
    assert 'cases/a-case.md:6: "year" must be a whole number' in problems
    assert 'cases/a-case.md:11: "url" must be an http or https address' in problems


def test_sources_are_required():
    text = case_text()
    start, end = text.index("sources:"), text.index("lessons:")
    assert parse({"a-case.md": text[:start] + text[end:]}) == ['cases/a-case.md:1: the header is missing "sources"']
    assert parse({"a-case.md": text[:start] + "sources: []\n" + text[end:]}) == [
        'cases/a-case.md:10: "sources" needs at least one entry']


def test_headings_must_all_be_there_in_order():
    text = case_text()
    swapped = text.replace("## Outcome", "## Lessons!").replace("## Lessons\n", "## Outcome\n")
    problems = parse({"a-case.md": swapped})
    assert any(p.startswith("cases/a-case.md:23: \"## Lessons!\" is not a heading of a case") for p in problems)
    assert any(p.startswith('cases/a-case.md:31: the heading "## Outcome" is out of order') for p in problems)
    missing = parse({"a-case.md": text.replace("## Outcome\n", "")})
    assert any('the heading "## Outcome" is missing' in p for p in missing), missing
    assert parse({"a-case.md": text.replace("\n## What was done\n", "\nIntro first.\n\n## What was done\n")})[0] \
        .startswith('cases/a-case.md:19: the text starts with the heading "## What was done"')


def test_translations_need_an_english_file_and_their_own_headings():
    assert parse({"lost.cy.md": WELSH.format(title="Ar goll")}) == [
        "cases/lost.cy.md:1: this translation has no English case file lost.md"]
    english_headings = WELSH.format(title="Achos").replace("## Y canlyniad", "## Outcome")
    problems = parse({"a-case.md": case_text(), "a-case.cy.md": english_headings})
    assert problems and problems[0].startswith('cases/a-case.cy.md:10: "## Outcome" is not a heading of a case')
    extra = WELSH.format(title="Achos").replace("summary:", "sector: tax\nsummary:")
    assert parse({"a-case.md": case_text(), "a-case.cy.md": extra}) == [
        'cases/a-case.cy.md:3: unknown setting "sector" in the header']
    assert parse({"a-case.xx.md": WELSH.format(title="?")})[0].startswith(
        'cases/a-case.xx.md:1: cases can be written in en, cy, sv, not "xx"')
    assert parse({"Bad_Name.md": case_text()})[0].startswith("cases/Bad_Name.md:1: the file name must be a slug")


def test_every_real_case_passes_and_names_real_lessons():
    """The real courses/cases folder checks clean (every helper's cases), each case in English and Welsh."""
    from literacy.practice.cases.index import check_folder

    result = check_folder(COURSES / CASES_FOLDER)
    assert [str(problem) for problem in result.problems] == []
    assert result.checked == len(result.cases) >= 5
    for case in result.cases:
        assert "cy" in case.languages, f"{case.slug} has no Welsh file"
    mine = {case.slug: case for case in result.cases}
    for slug in ("exam-grades-2020", "dutch-childcare-benefits", "syri-netherlands", "bridges-south-wales-police",
                 "robodebt-australia"):
        assert mine[slug].lessons, f"{slug} names no lesson"
    assert mine["bridges-south-wales-police"].country == "wales"


def test_the_courses_check_command_checks_the_cases(runner, tmp_path):
    root = tmp_path / "courses"
    write_module(root, "test-module", lessons=1)
    (root / CASES_FOLDER).mkdir()
    (root / CASES_FOLDER / "a-case.md").write_text(case_text(lessons="test-module/lesson-1"), encoding="utf-8")
    passed = runner.invoke(args=["courses", "check", str(root)])
    assert passed.exit_code == 0, passed.output
    assert "1 module checked, 0 problems" in passed.output and "1 case checked, 0 problems" in passed.output
    (root / CASES_FOLDER / "a-case.md").write_text(case_text(lessons="test-module/lesson-9"), encoding="utf-8")
    failed = runner.invoke(args=["courses", "check", str(root)])
    assert failed.exit_code == 1
    assert f'{root.as_posix()}/cases/a-case.md:16: no lesson "test-module/lesson-9"' in failed.output
    welsh = runner.invoke(args=["courses", "check", "--language", "cy", str(root)])
    assert welsh.exit_code == 1 and "a-case.md:16:" in welsh.output


def test_the_real_courses_check_command_passes_for_cases(runner):
    result = runner.invoke(args=["courses", "check", str(COURSES)])
    assert "cases checked, 0 problems" in result.output, result.output


# --- pages -------------------------------------------------------------------------------------------------


@pytest.fixture
def library(app, tmp_path):
    """A case folder of three cases, used by the app instead of the real one."""
    folder = tmp_path / "cases"
    folder.mkdir()
    cases = {
        "dutch-case": case_text(title="Dutch benefits scoring", organisation="Belastingdienst",
                                done="Parents were scored by nationality."),
        "welsh-police": case_text(title="Police face matching", sector="policing", country="wales",
                                  organisation="A Police Force", technique="face recognition", risks="privacy",
                                  done="Cameras scanned crowds in Cardiff."),
        "exam-case": case_text(title="Exam grade model", sector="education", country="uk", risks="bias, accuracy",
                               technique="statistical model", organisation="Ofqual", done="Grades were moderated."),
    }
    for slug, text in cases.items():
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    (folder / "welsh-police.cy.md").write_text(WELSH.format(title="Paru wynebau'r heddlu"), encoding="utf-8")
    app.config["CASES_DIR"] = str(folder)
    return folder


def titles(page: str) -> list[str]:
    return [title for title in ("Dutch benefits scoring", "Police face matching", "Paru wynebau'r heddlu",
                                "Exam grade model") if title in page]


def test_the_library_lists_every_case_to_anyone(client, library):
    page = client.get("/cases")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert titles(text) == ["Dutch benefits scoring", "Police face matching", "Exam grade model"]
    assert "3 cases." in text and 'href="/cases"' in text  # the header links to the library


@pytest.mark.parametrize(("query", "expected"), [
    ("sector=policing", ["Police face matching"]),
    ("country=uk", ["Exam grade model"]),
    ("technique=risk+scoring", ["Dutch benefits scoring"]),
    ("risk=accuracy", ["Exam grade model"]),
    ("risk=accuracy&risk=privacy", ["Police face matching", "Exam grade model"]),
    ("risk=bias&sector=benefits", ["Dutch benefits scoring"]),
    ("q=cardiff", ["Police face matching"]),  # the body text
    ("q=ofqual", ["Exam grade model"]),  # the organisation
    ("q=GRADE+model", ["Exam grade model"]),  # the title, any case, every word
    ("q=grade+cardiff", []),
    ("sector=nonsense", ["Dutch benefits scoring", "Police face matching", "Exam grade model"]),  # ignored
])
def test_filters_and_search_narrow_the_list(client, library, query, expected):
    text = client.get(f"/cases?{query}").get_data(as_text=True)
    assert titles(text) == expected
    if expected and "nonsense" not in query:
        count = len(expected)
        assert (f"{count} case matches." if count == 1 else f"{count} cases match.") in text
    if not expected:
        assert "0 cases match." in text and "No cases match." in text


def test_an_empty_library_says_so(client, app, tmp_path):
    app.config["CASES_DIR"] = str(tmp_path / "none")
    assert "There are no cases yet." in client.get("/cases").get_data(as_text=True)


def test_a_case_page_shows_facts_sections_and_sources(client, library):
    page = client.get("/cases/dutch-case")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for expected in ("Dutch benefits scoring", "Belastingdienst", "Netherlands", "Benefits", "risk scoring",
                     "Bias, Transparency", "<h2 class=\"heading-m\">What went well or wrong</h2>",
                     'href="https://example.org/report"', "accessed 3 December 2026", "Parents were scored"):
        assert expected in text, expected
    assert client.get("/cases/no-such-case").status_code == 404


def test_a_case_page_in_welsh_and_the_english_fallback(client, auth, library):
    assert auth.post("/language/cy", {"next": "/cases"}).status_code == 302
    text = client.get("/cases/welsh-police").get_data(as_text=True)
    assert '<h1 class="heading-l" lang="cy">Paru wynebau&#39;r heddlu</h1>' in text
    assert "Beth a wnaed" in text and "Cymru" in text  # the country's name in Welsh
    fallback = client.get("/cases/dutch-case").get_data(as_text=True)
    assert '<h1 class="heading-l" lang="en">Dutch benefits scoring</h1>' in fallback
    assert '<div class="prose case" lang="en">' in fallback
    listing = client.get("/cases").get_data(as_text=True)
    assert "Paru wynebau&#39;r heddlu" in listing and "Police face matching" not in listing


def test_an_edited_folder_is_read_again(client, library):
    assert "Exam grade model" in client.get("/cases").get_data(as_text=True)
    (library / "exam-case.md").unlink()
    assert "Exam grade model" not in client.get("/cases").get_data(as_text=True)


def test_a_case_with_problems_is_left_out(client, library):
    (library / "broken.md").write_text(case_text(title="Broken case", sector="farming"), encoding="utf-8")
    text = client.get("/cases").get_data(as_text=True)
    assert "Broken case" not in text and "3 cases." in text


# --- the lesson page ---------------------------------------------------------------------------------------


@pytest.fixture
def lesson_with_cases(app, courses, make_user, auth):
    write_module(courses, "test-module", lessons=2)
    sync_courses(courses)
    folder = courses / CASES_FOLDER
    folder.mkdir()
    (folder / "a-case.md").write_text(case_text(title="A real case", lessons="test-module/lesson-1"),
                                      encoding="utf-8")
    (folder / "a-case.cy.md").write_text(WELSH.format(title="Achos go iawn"), encoding="utf-8")
    user = make_user("learner@example.org")
    auth.sign_in(user.email)
    return user


def test_a_lesson_page_lists_its_real_cases(client, auth, lesson_with_cases):
    text = client.get("/modules/test-module/lesson-1").get_data(as_text=True)
    assert '<h2 class="heading-s" id="real-cases">Real cases</h2>' in text
    assert '<a href="/cases/a-case" lang="en">A real case</a>' in text
    assert "real-cases" not in client.get("/modules/test-module/lesson-2").get_data(as_text=True)
    assert auth.post("/language/cy", {"next": "/"}).status_code == 302
    welsh = client.get("/modules/test-module/lesson-1").get_data(as_text=True)
    assert "Achosion go iawn" in welsh and '<a href="/cases/a-case" lang="cy">Achos go iawn</a>' in welsh


def test_the_case_page_links_the_lessons_that_discuss_it(client, lesson_with_cases):
    text = client.get("/cases/a-case").get_data(as_text=True)
    assert 'href="/modules/test-module/lesson-1"' in text


def test_the_aside_adds_no_query_to_the_lesson_page(client, lesson_with_cases):
    client.get("/modules/test-module/lesson-1")
    client.get("/modules/test-module/lesson-2")
    with_cases = statements_of(lambda: client.get("/modules/test-module/lesson-1"))
    without = statements_of(lambda: client.get("/modules/test-module/lesson-2"))
    assert len(with_cases) == len(without) == 1, "\n".join(with_cases)  # the session's, with the lesson's row


def test_the_index_is_kept_per_folder(app, library):
    first = case_index_module.case_index()
    assert case_index_module.case_index() is first
    assert [case.slug for case in first.cases][:1] and first.for_lesson("x", "y") == ()


def test_load_cases_reports_a_missing_folder(tmp_path):
    result = load_cases(tmp_path / "nowhere")
    assert [str(problem) for problem in result.problems] == [f"{(tmp_path / 'nowhere').as_posix()}:1: no such folder"]
