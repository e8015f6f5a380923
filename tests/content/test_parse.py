"""Parsing modules: the valid fixture's structure, and every problem reported at its file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from literacy.content import (
    ModuleSource,
    check_paths,
    content_hash,
    grade,
    load_courses,
    load_module,
    module_summary,
    parse_module,
)
from literacy.content.courses import read_folder

from .support import (
    LABEL,
    LESSON,
    MODULE_YAML,
    QUIZ,
    VALID_MODULE,
    demo_files,
    fixture_glossary,
    parse,
    problems,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
CY = {"module.cy.yaml": "title: Demo yn Gymraeg\n"}


def lesson(body: str, header: str = "title: First lesson\nminutes: 5\n") -> str:
    """A lesson whose body starts on line 5 (after the four header lines)."""
    return f"---\n{header}---\n{body}"


def assert_problem(found: list[str], where: str, fragment: str) -> None:
    """``where`` is "file:line" inside the demo module; the message must contain ``fragment``."""
    prefix = f"{LABEL}/{where}: "
    matching = [p for p in found if p.startswith(prefix) and fragment in p]
    assert matching, f"expected {prefix}...{fragment}... in:\n" + "\n".join(found)


# --- The valid fixture module --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_module() -> ModuleSource:
    result = load_module(VALID_MODULE, glossary=fixture_glossary(), label="fixtures/valid-module")
    assert result.problems == []
    assert result.module is not None
    return result.module


def test_valid_module_has_no_problems_and_its_details(fixture_module: ModuleSource) -> None:
    m = fixture_module
    assert (m.slug, m.edition, m.language, m.languages) == ("fixture-basics", 2, "en", ("en", "cy"))
    assert (m.level, m.pass_mark, m.max_attempts, m.shuffle) == ("introductory", 80, 3, True)
    assert m.minutes == 8 + 12 + 10  # no minutes in module.yaml: the lessons' minutes plus 10
    assert m.title == "Fixture basics"
    assert m.texts["cy"].title == "Hanfodion y gosodiad"
    assert m.texts["cy"].audience == m.texts["en"].audience  # falls back field by field
    assert m.texts["cy"].outcomes == ("Esbonio'r gwahaniaeth rhwng rheolau a phatrymau",)
    reading = m.texts["en"].further_reading
    assert reading[0].publisher == "Government Digital Service" and reading[0].year == 2025
    assert reading[1].url is None
    assert m.text("fr") == m.texts["en"]


def test_valid_module_lessons(fixture_module: ModuleSource) -> None:
    m = fixture_module
    assert [(lesson.slug, lesson.position) for lesson in m.lessons] == [("what-ai-is", 1),
                                                                         ("how-machines-learn", 2)]
    first = m.lessons[0]
    assert list(first.variants) == ["en", "cy"]
    en, cy = first.variants["en"], first.variants["cy"]
    assert en.title == "What AI is and is not" and en.minutes == 8
    assert cy.title == "Beth yw AI a beth nad yw" and cy.minutes == 8  # minutes from the English lesson
    assert '<div class="knowledge-check" data-check="rules-or-learning"></div>' in en.html
    assert '<div class="knowledge-check" data-check="rules-or-learning"></div>' in cy.html
    assert "::: check" not in en.html and "Software refuses" not in en.html
    assert 'src="/modules/fixture-basics/images/flow.png"' in en.html
    assert 'href="/glossary#machine-learning"' in en.html
    assert '<div class="admonition scenario">' in en.html and "A council chatbot" in en.html
    assert '<p class="admonition-title">In practice</p>' in en.html
    assert '<p class="admonition-title">Yn ymarferol</p>' in cy.html
    assert '<th align="center">' in en.html and 'class="footnote"' in en.html
    assert 'href="#rules-written-by-people"' in en.toc_html and 'href="#comparing-systems"' in en.toc_html
    assert en.checks[0].key == "rules-or-learning" and en.checks[0].correct_keys == {"rule"}
    assert m.lesson("how-machines-learn").variant("cy") is m.lesson("how-machines-learn").primary
    second = m.lessons[1].primary
    assert '<h2 id="learning-from-examples">' in second.html  # a "#" heading becomes h2
    assert "this-is-not-a-question" in second.html  # inside a code fence: shown, not parsed
    assert second.checks[0].kind == "text"
    assert m.lesson_count == 2 and m.check_count == 2
    assert set(m.images) == {"flow.png", "layers.svg"}
    assert m.images["flow.png"].media_type == "image/png"
    assert m.images["layers.svg"].media_type == "image/svg+xml"


def test_valid_module_quiz_and_precheck(fixture_module: ModuleSource) -> None:
    m = fixture_module
    assert m.quiz is not None and m.precheck is not None
    en = m.quiz.variants["en"]
    assert en.title == "Fixture basics assessment"
    assert en.intro_html == "<p>Five questions. Take your time: there is <strong>no</strong> time limit.</p>"
    assert [(q.key, q.kind) for q in en.questions] == [
        ("rules-or-learning-quiz", "single"), ("good-uses", "multiple"), ("hallucination-tf", "true-false"),
        ("atrs-name", "text"), ("logs-months", "number"),
    ]
    assert m.question_count == 5 and m.precheck_question_count == 2
    assert m.quiz.variant("cy").title == "Asesiad hanfodion y gosodiad"
    assert m.precheck.variants["en"].title == ""
    # The accepted answers of every language count, in either language's question.
    for language in ("en", "cy"):
        question = m.quiz.question("atrs-name", language)
        assert question is not None
        assert grade(question, "safon cofnodi tryloywder algorithmig")
        assert grade(question, "Algorithmic Transparency Recording Standard.")
        assert grade(question, "algorithmic transparency standard")  # the pattern
    assert set(m.quiz.accepted_answers("atrs-name")) == {
        "Algorithmic Transparency Recording Standard", "ATRS", "Safon Cofnodi Tryloywder Algorithmig"}
    single = en.questions[0]
    assert single.ask_confidence and single.explanation_html.startswith("<p>Rule-based")
    assert m.quiz.variants["cy"].questions[0].explanation_html.startswith("<p>Mae meddalwedd")
    assert en.questions[1].shuffle is False
    assert [q.line for q in en.questions] == [7, 25, 39, 50, 60]
    assert [where for where, _ in m.all_questions()] == ["quiz"] * 5 + ["precheck"] * 2 + [
        "what-ai-is", "how-machines-learn"]


def test_module_summary_is_json(fixture_module: ModuleSource) -> None:
    summary = module_summary(fixture_module)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["slug"] == "fixture-basics" and summary["languages"] == ["en", "cy"]
    assert (summary["lesson_count"], summary["question_count"], summary["check_count"],
            summary["precheck_question_count"]) == (2, 5, 2, 2)


def test_files_starting_with_underscore_or_dot_are_ignored(fixture_module: ModuleSource) -> None:
    assert "_notes.md" not in fixture_module.files  # and its bad bytes are not a problem
    assert parse({"_draft.md": b"\xff", ".DS_Store": b"\0", "_old/x.txt": b"x"}).problems == []


def test_the_demo_module_is_valid() -> None:
    result = parse()
    assert result.problems == [] and result.module is not None
    assert result.module.minutes == 5 + 5 + 10
    assert result.module.precheck is None and result.module.quiz is not None


def test_image_and_glossary_urls_can_be_chosen() -> None:
    changes = {"first.md": lesson("![A dot](images/dot.png) [ml](glossary:machine-learning)\n"),
               "images/dot.png": PNG}
    result = parse_module(demo_files(changes), label=LABEL, glossary=fixture_glossary(),
                          image_url=lambda name: f"/draft/7/images/{name}",
                          glossary_url=lambda term: f"/terms/{term}")
    assert result.module is not None
    html = result.module.lessons[0].primary.html
    assert 'src="/draft/7/images/dot.png"' in html and 'href="/terms/machine-learning"' in html


def test_module_without_quiz_has_no_assessment() -> None:
    result = parse({"quiz.md": None})
    assert result.module is not None and result.module.quiz is None and result.module.question_count == 0


# --- The content hash ----------------------------------------------------------------------------------


def test_content_hash_is_stable_and_independent_of_order() -> None:
    files = demo_files()
    reordered = dict(reversed(list(files.items())))
    assert content_hash(files) == content_hash(reordered)
    assert parse_module(files, label="a").content_hash == parse_module(reordered, label="b").content_hash
    assert parse().module.content_hash == content_hash(files)  # type: ignore[union-attr]
    assert len(content_hash(files)) == 64


def test_content_hash_changes_when_a_file_changes() -> None:
    base = content_hash(demo_files())
    assert content_hash(demo_files({"first.md": LESSON + "More.\n"})) != base
    assert content_hash(demo_files({"images/dot.png": PNG})) != base
    renamed = demo_files()
    renamed["third.md"] = renamed.pop("second.md")
    assert content_hash(renamed) != base
    # Notes do not change the hash (nothing to publish).
    assert parse({"_notes.md": "anything"}).content_hash == parse().content_hash


def test_content_hash_of_the_fixture_folder_matches_its_files(fixture_module: ModuleSource) -> None:
    assert fixture_module.content_hash == content_hash(read_folder(VALID_MODULE))
    assert fixture_module.files == read_folder(VALID_MODULE)


# --- Every problem at its file and line ----------------------------------------------------------------

M = MODULE_YAML
BAD_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
ENTITY_SVG = '<svg xmlns="http://www.w3.org/2000/svg"><a href="&#106;avascript:alert(1)"><text>x</text></a></svg>'
QUIZ_TYPE = QUIZ.replace("type: single\n", "type: {kind}\n{extra}")


def quiz(kind: str = "single", extra: str = "", options: str = "- [x] Yes\n- [ ] No\n") -> str:
    """A one-question quiz: line 1 opens it, line 2 is the type, extra settings from line 3."""
    return f"::: question q1\ntype: {kind}\n{extra}\nPick one.\n\n{options}:::\n"


CASES: dict[str, tuple[dict, str, str]] = {
    # module.yaml
    "missing-field": ({"module.yaml": M.replace("audience: Everyone\n", "")}, "module.yaml:1",
                      'module.yaml is missing "audience"'),
    "empty-field": ({"module.yaml": M.replace("audience: Everyone", "audience:")}, "module.yaml:4",
                    '"audience" is empty'),
    "unknown-module-setting": ({"module.yaml": M + "colour: blue\n"}, "module.yaml:14", 'unknown setting "colour"'),
    "duplicate-yaml-key": ({"module.yaml": M + "title: Again\n"}, "module.yaml:14", '"title" appears twice'),
    "bad-yaml": ({"module.yaml": M.replace("audience: Everyone", "audience: Everyone: all")}, "module.yaml:4",
                 "invalid YAML"),
    "bad-module-slug": ({"module.yaml": M.replace("slug: demo", "slug: Demo Module")}, "module.yaml:1",
                        'slug "Demo Module" must be lower case'),
    "pass-mark-range": ({"module.yaml": M.replace("pass_mark: 80", "pass_mark: 120")}, "module.yaml:8",
                        '"pass_mark" must be between 0 and 100'),
    "pass-mark-not-a-number": ({"module.yaml": M.replace("pass_mark: 80", "pass_mark: eighty")}, "module.yaml:8",
                               '"pass_mark" must be a whole number'),
    "bad-level": ({"module.yaml": M.replace("level: introductory", "level: expert")}, "module.yaml:5",
                  'level "expert" must be one of'),
    "bad-edition": ({"module.yaml": M.replace("edition: 1", "edition: 0")}, "module.yaml:6",
                    '"edition" must be at least 1'),
    "bad-language": ({"module.yaml": M.replace("language: en", "language: English")}, "module.yaml:7",
                     'language "English" must be a language code'),
    "bad-max-attempts": ({"module.yaml": M + "max_attempts: 0\n"}, "module.yaml:14",
                         '"max_attempts" must be at least 1'),
    "bad-shuffle": ({"module.yaml": M + "shuffle: sometimes\n"}, "module.yaml:14", '"shuffle" must be yes or no'),
    "no-outcomes": ({"module.yaml": M.replace("outcomes:\n  - Do a thing\n", "outcomes: []\n")}, "module.yaml:9",
                    '"outcomes" needs at least one entry'),
    "outcomes-not-a-list": ({"module.yaml": M.replace("outcomes:\n  - Do a thing\n", "outcomes: Do a thing\n")},
                            "module.yaml:9", '"outcomes" must be a list'),
    "bad-reading-url": ({"module.yaml": M + "further_reading:\n  - title: A report\n    url: ftp://example.org/r\n"},
                        "module.yaml:16", 'url "ftp://example.org/r" must start with https://'),
    "reading-without-title": ({"module.yaml": M + "further_reading:\n  - publisher: GDS\n"}, "module.yaml:15",
                              'the further_reading entry is missing "title"'),
    "unknown-reading-setting": ({"module.yaml": M + "further_reading:\n  - title: A\n    author: B\n"},
                                "module.yaml:16", 'unknown setting "author" in the further_reading entry'),
    "missing-module-yaml": ({"module.yaml": None}, "module.yaml:1", "module.yaml is missing"),
    "empty-module-yaml": ({"module.yaml": "# nothing yet\n"}, "module.yaml:1", "module.yaml is empty"),
    "module-yaml-not-a-mapping": ({"module.yaml": "- a\n- b\n"}, "module.yaml:1", "must hold name: value"),
    # lessons
    "duplicate-lesson-slug": ({"module.yaml": M + "  - first\n"}, "module.yaml:14",
                              'lesson "first" is listed twice (also on line 12)'),
    "reserved-lesson-slug": ({"module.yaml": M + "  - quiz\n"}, "module.yaml:14", '"quiz" cannot be a lesson'),
    "reserved-lesson-slug-images": ({"module.yaml": M + "  - images\n"}, "module.yaml:14",
                                    '"images" cannot be a lesson'),
    "bad-lesson-slug": ({"module.yaml": M + "  - Third Lesson\n"}, "module.yaml:14",
                        'lesson "Third Lesson" must be lower case'),
    "lesson-listed-with-extension": ({"module.yaml": M + "  - third.md\n"}, "module.yaml:14", "leave out the .md"),
    "lesson-file-missing": ({"module.yaml": M + "  - third\n"}, "module.yaml:14",
                            'lesson "third" is listed but third.md is missing'),
    "lesson-file-not-listed": ({"extra.md": LESSON}, "extra.md:1", 'extra.md is not listed under "lessons"'),
    "bad-lesson-file-name": ({"What AI is.md": LESSON}, "What AI is.md:1", "must be lower case"),
    "no-lessons": ({"module.yaml": M.replace("lessons:\n  - first\n  - second\n", "lessons: []\n")},
                   "module.yaml:11", '"lessons" needs at least one entry'),
    "not-utf8": ({"first.md": b"---\ntitle: First\nminutes: 5\n---\n\nH\xe9llo\n"}, "first.md:6", "not UTF-8"),
    "lesson-without-header": ({"first.md": "Hello.\n"}, "first.md:1", "first.md has no header"),
    "header-not-closed": ({"first.md": "---\ntitle: First\nminutes: 5\n\nHello.\n"}, "first.md:1",
                          "header that starts here is not closed"),
    "header-missing-minutes": ({"first.md": lesson("Hi\n", "title: First\n")}, "first.md:1",
                               'the header is missing "minutes"'),
    "header-bad-minutes": ({"first.md": lesson("Hi\n", "title: First\nminutes: soon\n")}, "first.md:3",
                           '"minutes" must be a whole number'),
    "header-bad-yaml": ({"first.md": lesson("Hi\n", "title: First: lesson\nminutes: 5\n")}, "first.md:2",
                        "invalid YAML"),
    "header-unknown-setting": ({"first.md": lesson("Hi\n", "title: A\nminutes: 5\nauthor: me\n")}, "first.md:4",
                               'unknown setting "author" in the header'),
    "unknown-callout": ({"first.md": lesson("\nText.\n\n!!! danger\n    Careful.\n")}, "first.md:8",
                        'unknown callout "danger"'),
    "unexpected-file": ({"notes.txt": "x"}, "notes.txt:1", "unexpected file notes.txt"),
    "yml-extension": ({"module.cy.yml": "title: x"}, "module.cy.yml:1", "use the extension .yaml"),
    "unexpected-folder": ({"data/x.csv": "a,b"}, "data/x.csv:1", "only the images/ folder"),
    # pictures
    "image-without-alt": ({"first.md": lesson("\n![](images/dot.png)\n"), "images/dot.png": PNG}, "first.md:6",
                          'picture "images/dot.png" has no alt text'),
    "image-file-missing": ({"first.md": lesson("\nSee:\n![A chart](images/chart.png)\n")}, "first.md:7",
                           'picture "images/chart.png" does not exist'),
    "image-not-in-images-folder": ({"first.md": lesson("\n![A chart](https://example.org/c.png)\n")},
                                   "first.md:6", "must be a file in the images/ folder"),
    "image-raw-html-without-alt": ({"first.md": lesson("\n<img src=\"images/dot.png\">\n"), "images/dot.png": PNG},
                                   "first.md:6", "has no alt text"),
    "image-not-a-png": ({"images/dot.png": b"<html>"}, "images/dot.png:1", "is not a PNG file"),
    "image-empty": ({"images/dot.gif": b""}, "images/dot.gif:1", "is empty"),
    "image-bad-type": ({"images/dot.bmp": b"BM"}, "images/dot.bmp:1", "not an accepted kind of picture"),
    "image-in-subfolder": ({"images/old/dot.png": PNG}, "images/old/dot.png:1", "straight in images/"),
    "image-bad-name": ({"images/my dot.png": PNG}, "images/my dot.png:1", "may only use letters"),
    "svg-with-script": ({"images/x.svg": BAD_SVG}, "images/x.svg:1", "contains scripting"),
    "svg-with-encoded-javascript": ({"images/x.svg": ENTITY_SVG}, "images/x.svg:1", "contains scripting"),
    "svg-with-event-handler": ({"images/x.svg": '<svg onload="alert(1)"/>'}, "images/x.svg:1", "contains scripting"),
    # glossary
    "unknown-glossary-term": ({"first.md": lesson("\nSee [bias](glossary:bias).\n")}, "first.md:6",
                              'glossary link to unknown term "bias"'),
    "bad-glossary-link": ({"first.md": lesson("\nSee [bias](glossary:Bias_Term).\n")}, "first.md:6",
                          'glossary link "glossary:Bias_Term" must be glossary:ID'),
    # questions
    "unknown-question-type": ({"quiz.md": quiz("singel")}, "quiz.md:2", 'unknown question type "singel"'),
    "question-without-type": ({"quiz.md": "::: question q1\n\nPick one.\n\n- [x] Yes\n- [ ] No\n:::\n"},
                              "quiz.md:1", 'question "q1" has no type:'),
    "no-correct-option": ({"quiz.md": quiz(options="- [ ] Yes\n- [ ] No\n")}, "quiz.md:1",
                          'question "q1" has no correct option'),
    "single-with-two-correct": ({"quiz.md": quiz(options="- [x] Yes\n- [X] No\n")}, "quiz.md:1",
                                'question "q1" has 2 correct options but a single question has exactly one'),
    "single-with-one-option": ({"quiz.md": quiz(options="- [x] Yes\n")}, "quiz.md:1", "at least two options"),
    "no-options": ({"quiz.md": quiz(options="")}, "quiz.md:1", 'question "q1" has no options'),
    "multiple-without-correct": ({"quiz.md": quiz("multiple", options="- [ ] A\n- [ ] B\n")}, "quiz.md:1",
                                 "has no correct option"),
    "true-false-three-options": ({"quiz.md": quiz("true-false", options="- [x] True\n- [ ] False\n- [ ] Maybe\n")},
                                 "quiz.md:1", "needs exactly 2 options, not 3"),
    "true-false-two-correct": ({"quiz.md": quiz("true-false", options="- [x] True\n- [x] False\n")},
                               "quiz.md:1", "true-false and needs exactly one correct option"),
    "unknown-question-setting": ({"quiz.md": quiz(extra="colour: red\n")}, "quiz.md:3",
                                 'unknown setting "colour" in question "q1"'),
    "setting-for-another-kind": ({"quiz.md": quiz(extra="accept: yes\n")}, "quiz.md:3",
                                 'setting "accept" does not apply to single questions'),
    "bad-confidence": ({"quiz.md": quiz(extra="confidence: perhaps\n")}, "quiz.md:3", "confidence: in question "
                       '"q1" must be yes or no'),
    "duplicate-setting": ({"quiz.md": quiz(extra="type: single\n")}, "quiz.md:3", 'setting "type" appears twice'),
    "feedback-without-option": ({"quiz.md": quiz(options="  > Lonely feedback\n- [x] Yes\n- [ ] No\n")},
                                "quiz.md:6", "feedback line in question \"q1\" without an option"),
    "text-after-options": ({"quiz.md": quiz(options="- [x] Yes\n- [ ] No\nBecause.\n")}, "quiz.md:8",
                           'text after the options of question "q1"'),
    "option-without-text": ({"quiz.md": quiz(options="- [x] Yes\n- [ ]\n")}, "quiz.md:7", "has no text"),
    "bad-option-id": ({"quiz.md": quiz(options="- [x] Yes {#Yes Please}\n- [ ] No\n")}, "quiz.md:6",
                      'option ID "Yes Please"'),
    "duplicate-option-id": ({"quiz.md": quiz(options="- [x] Yes {#same}\n- [ ] No {#same}\n")}, "quiz.md:7",
                            'option ID "same" appears twice'),
    "question-without-text": ({"quiz.md": "::: question q1\ntype: single\n\n- [x] Yes\n- [ ] No\n:::\n"},
                              "quiz.md:1", 'question "q1" has no question text'),
    "text-without-accept-or-pattern": ({"quiz.md": quiz("text", options="")}, "quiz.md:1",
                                       'text question "q1" needs accept:'),
    "text-with-empty-accept": ({"quiz.md": quiz("text", extra="accept: | \n", options="")}, "quiz.md:3",
                               "lists no answers"),
    "bad-regex": ({"quiz.md": quiz("text", extra="pattern: (open\n", options="")}, "quiz.md:3",
                  'pattern: of question "q1" is not a valid regular expression'),
    "text-with-options": ({"quiz.md": quiz("text", extra="accept: a\n")}, "quiz.md:7", "so it has no options"),
    "number-without-answer": ({"quiz.md": quiz("number", options="")}, "quiz.md:1",
                              'number question "q1" needs answer:'),
    "number-bad-answer": ({"quiz.md": quiz("number", extra="answer: six\n", options="")}, "quiz.md:3",
                          'answer: of question "q1" must be a number, not "six"'),
    "number-negative-tolerance": ({"quiz.md": quiz("number", extra="answer: 6\ntolerance: -1\n", options="")},
                                  "quiz.md:4", "tolerance: of question \"q1\" must be a number of 0 or more"),
    "unclosed-block": ({"quiz.md": QUIZ.removesuffix(":::\n")}, "quiz.md:1",
                       'question block "q1" is not closed'),
    "unclosed-block-before-next": ({"quiz.md": QUIZ.removesuffix(":::\n") + QUIZ.replace("q1", "q2")},
                                   "quiz.md:1", 'question block "q1" is not closed'),
    "stray-closing": ({"quiz.md": QUIZ + ":::\n"}, "quiz.md:9", "no block is open here"),
    "unknown-block": ({"quiz.md": QUIZ.replace("::: question q1", "::: quiz q1")}, "quiz.md:1",
                      'unknown block "::: quiz"'),
    "block-without-id": ({"quiz.md": QUIZ.replace("::: question q1", "::: question")}, "quiz.md:1",
                         "::: question needs an ID"),
    "bad-question-id": ({"quiz.md": QUIZ.replace("q1", "Q 1")}, "quiz.md:1", "unexpected text after the question ID"),
    "bad-question-id-case": ({"quiz.md": QUIZ.replace("q1", "Q1")}, "quiz.md:1",
                             'question ID "Q1" must be lower case'),
    "duplicate-question-id": ({"quiz.md": QUIZ + "\n" + QUIZ}, "quiz.md:10",
                              'question ID "q1" is used twice (also on line 1)'),
    "duplicate-id-quiz-and-check": ({"first.md": lesson("\n" + QUIZ.replace("question", "check"))}, "quiz.md:1",
                                    'question ID "q1" is used twice (also at first.md:6)'),
    "duplicate-id-precheck": ({"precheck.md": QUIZ}, "precheck.md:1", "also at quiz.md:1"),
    "quiz-without-questions": ({"quiz.md": "---\ntitle: Test\n---\nJust an introduction.\n"}, "quiz.md:4",
                               "quiz.md has no questions"),
    "text-between-questions": ({"quiz.md": QUIZ + "\nStray words.\n"}, "quiz.md:10",
                               "text outside a question block"),
    "quiz-header-unknown-setting": ({"quiz.md": "---\ntitle: T\nminutes: 3\n---\n" + QUIZ}, "quiz.md:3",
                                    'unknown setting "minutes" in the header'),
    "check-problem-in-lesson": ({"first.md": lesson("\n::: check c1\ntype: single\n\nAsk?\n\n- [ ] A\n- [ ] B\n:::\n")},
                                "first.md:6", 'question "c1" has no correct option'),
    # languages
    "translation-without-module-yaml": ({"first.cy.md": LESSON}, "first.cy.md:1",
                                        "there is no module.cy.yaml"),
    "translation-of-missing-lesson": ({**CY, "third.cy.md": LESSON}, "third.cy.md:1",
                                      "third.cy.md translates third.md, which is missing"),
    "translation-of-missing-quiz": ({**CY, "quiz.md": None, "quiz.cy.md": QUIZ}, "quiz.cy.md:1",
                                    "quiz.cy.md translates quiz.md, which is missing"),
    "primary-language-code-in-name": ({"first.en.md": LESSON}, "first.en.md:1", "name it first.md"),
    "bad-language-code-in-name": ({"first.Welsh.md": LESSON}, "first.Welsh.md:1", "is not a language code"),
    "module-yaml-for-main-language": ({"module.en.yaml": "title: x\n"}, "module.en.yaml:1",
                                      "repeats the module's main language"),
    "translated-module-unknown-setting": ({"module.cy.yaml": "title: x\npass_mark: 50\n"}, "module.cy.yaml:2",
                                          'unknown setting "pass_mark"'),
    "translated-lesson-without-title": ({**CY, "first.cy.md": lesson("Helo.\n", "minutes: 5\n")}, "first.cy.md:1",
                                        'the header is missing "title"'),
    "translated-quiz-extra-id": ({**CY, "quiz.cy.md": QUIZ + QUIZ.replace("q1", "q2")}, "quiz.cy.md:9",
                                 'question "q2" is not in quiz.md'),
    "translated-quiz-missing-id": ({**CY, "quiz.cy.md": QUIZ.replace("q1", "q2")}, "quiz.cy.md:1",
                                   'question "q1" of quiz.md is missing from quiz.cy.md'),
    "translated-quiz-other-type": ({**CY, "quiz.cy.md": QUIZ.replace("single", "multiple")}, "quiz.cy.md:1",
                                   'question "q1" is multiple here but single in quiz.md'),
    "translated-quiz-option-count": ({**CY, "quiz.cy.md": quiz(options="- [x] Ie\n- [ ] Na\n- [ ] Efallai\n")},
                                     "quiz.cy.md:1", 'question "q1" has 3 options here but 2 in quiz.md'),
    "translated-quiz-correct-flags": ({**CY, "quiz.cy.md": quiz(options="- [ ] Ie\n- [x] Na\n")}, "quiz.cy.md:1",
                                      'question "q1": the correct options differ from quiz.md (here b, there a)'),
    "translated-quiz-option-ids": ({**CY, "quiz.cy.md": quiz(options="- [x] Ie {#yes}\n- [ ] Na\n")},
                                   "quiz.cy.md:1", "the option IDs differ from quiz.md"),
    "translated-check-differs": ({**CY, "first.md": lesson("\n" + QUIZ.replace("::: question q1", "::: check c1")),
                                  "first.cy.md": lesson("\n" + quiz(options="- [ ] Ie\n- [x] Na\n").replace(
                                      "::: question q1", "::: check c1"))},
                                 "first.cy.md:6", "the correct options differ from first.md"),
    "translated-number-answer": ({**CY, "quiz.md": quiz("number", "answer: 6\n", ""),
                                  "quiz.cy.md": quiz("number", "answer: 7\n", "")}, "quiz.cy.md:3",
                                 "answer: differs from quiz.md"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_problem_is_reported_at_its_file_and_line(name: str) -> None:
    changes, where, fragment = CASES[name]
    result = parse(changes, glossary=fixture_glossary())
    assert result.module is None
    assert_problem([str(p) for p in result.problems], where, fragment)


def test_glossary_links_without_a_glossary_say_so() -> None:
    found = problems({"first.md": lesson("\nSee [ml](glossary:machine-learning).\n")})
    assert found == [f'{LABEL}/first.md:6: glossary link to unknown term "machine-learning" '
                     "(no glossary.yaml was found beside the module folder)"]


def test_several_problems_are_reported_at_once() -> None:
    found = problems({
        "module.yaml": M.replace("pass_mark: 80", "pass_mark: 101") + "  - third\n",
        "first.md": lesson("\n![](images/none.png)\n\n[x](glossary:nothing)\n"),
        "quiz.md": quiz("single", options="- [x] A\n- [x] B\n") + "\n" + quiz("singel").replace("q1", "q2"),
        "stray.md": LESSON,
    })
    assert found == [
        f"{LABEL}/first.md:6: picture \"images/none.png\" does not exist",
        f"{LABEL}/first.md:6: picture \"images/none.png\" has no alt text: write ![what it shows](images/none.png)",
        f"{LABEL}/first.md:8: glossary link to unknown term \"nothing\" (no glossary.yaml was found beside the "
        "module folder)",
        f"{LABEL}/module.yaml:8: \"pass_mark\" must be between 0 and 100",
        f"{LABEL}/module.yaml:14: lesson \"third\" is listed but third.md is missing",
        f"{LABEL}/quiz.md:1: question \"q1\" has 2 correct options but a single question has exactly one (use "
        "type: multiple for select-all-that-apply)",
        f"{LABEL}/quiz.md:11: unknown question type \"singel\" in question \"q2\" (one of single, multiple, "
        "true-false, text, number)",
        f"{LABEL}/stray.md:1: stray.md is not listed under \"lessons\" in module.yaml (add it, or start its name "
        "with _ to keep it as notes)",
    ]


def test_problem_paths_follow_the_label() -> None:
    result = parse_module(demo_files({"quiz.md": quiz(options="- [ ] A\n- [ ] B\n")}), label="")
    assert [str(p) for p in result.problems] == ['quiz.md:1: question "q1" has no correct option (mark it - [x])']
    folder = parse_module(demo_files({"quiz.md": quiz(options="- [ ] A\n- [ ] B\n")}), label="my/mod/")
    assert str(folder.problems[0]).startswith("my/mod/quiz.md:1: ")


def test_syntax_examples_in_code_fences_are_not_parsed() -> None:
    body = "\n````markdown\n::: question shown\ntype: nonsense\n:::\n````\n\n    ::: indented\n"
    result = parse({"first.md": lesson(body)})
    assert result.problems == []
    assert "::: question shown" in result.module.lessons[0].primary.html  # type: ignore[union-attr]


def test_block_words_check_and_question_are_both_accepted_in_lessons() -> None:
    block = QUIZ.replace("q1", "c1")
    result = parse({"first.md": lesson("\nIntro.\n" + block + "Between.\n" + block.replace("question", "check")
                                       .replace("c1", "c2"))})
    assert result.problems == []
    html = result.module.lessons[0].primary.html  # type: ignore[union-attr]
    assert html.index('data-check="c1"') < html.index("Between.") < html.index('data-check="c2"')
    assert "<p>Intro.</p>" in html  # the block right after a paragraph line does not merge with it


def test_authors_cannot_forge_a_knowledge_check_placeholder() -> None:
    result = parse({"first.md": lesson('\n<div class="knowledge-check" data-check="q1">x</div>\n')})
    assert result.module is not None
    assert "data-check" not in result.module.lessons[0].primary.html


def test_knowledge_check_lines_point_into_the_lesson() -> None:
    result = parse({"first.md": lesson("\nText.\n\n" + QUIZ.replace("question q1", "check c1"))})
    assert result.module is not None
    assert result.module.lessons[0].primary.checks[0].line == 8


# --- Never raising -------------------------------------------------------------------------------------

NAMES = st.sampled_from(["module.yaml", "module.cy.yaml", "first.md", "second.md", "quiz.md", "quiz.cy.md",
                         "precheck.md", "first.cy.md", "images/a.png", "images/b.svg", "x.txt"])
FRAGMENTS = st.sampled_from([
    "---\n", "title: x\n", "minutes: 5\n", "::: question q1\n", "::: check c\n", ":::\n", "type: single\n",
    "type: text\n", "accept: a | b\n", "pattern: (\n", "- [x] a\n", "- [ ] b {#b}\n", "  > fb\n",
    "Explanation:\n", "![](images/a.png)\n", "[t](glossary:x)\n", "!!! note\n    x\n", "```\n", "slug: x\n",
    "lessons:\n  - first\n", "- [\n", ": :\n", "\t", "\xff", "&", "<svg onload=x>", "answer: 1,0\n",
])
FILE_TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=12).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(NAMES, st.one_of(FILE_TEXT.map(lambda s: s.encode("utf-8", "surrogatepass")),
                                        st.binary(max_size=40)), max_size=6))
def test_parse_module_never_raises(files: dict[str, bytes]) -> None:
    result = parse_module(files, label="fuzz")
    assert (result.module is None) == bool(result.problems)
    for problem in result.problems:
        assert problem.path.startswith("fuzz/") and problem.line >= 1


# --- Folders and the courses folder --------------------------------------------------------------------


def write_module(folder: Path, changes: dict | None = None) -> Path:
    for name, data in demo_files(changes).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder


def test_load_courses_reads_glossary_and_every_module(tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_bytes((Path(VALID_MODULE).parent / "glossary.yaml").read_bytes())
    write_module(tmp_path / "demo", {"first.md": lesson("[ml](glossary:machine-learning)\n")})
    write_module(tmp_path / "other", {"module.yaml": M.replace("slug: demo", "slug: other")})
    write_module(tmp_path / "_drafts")
    (tmp_path / "README.md").write_text("not a module")
    result = load_courses(tmp_path)
    assert result.problems == [] and result.checked == 2
    assert [m.slug for m in result.modules] == ["demo", "other"]
    assert result.glossary is not None and "machine-learning" in result.glossary


def test_load_courses_reports_a_slug_used_twice(tmp_path: Path) -> None:
    write_module(tmp_path / "a")
    write_module(tmp_path / "b")
    result = load_courses(tmp_path)
    assert [str(p) for p in result.problems] == [
        f"{tmp_path.as_posix()}/b/module.yaml:1: slug \"demo\" is also used by {tmp_path.as_posix()}/a"]


def test_check_paths_of_one_module_uses_the_glossary_beside_it(tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_text("terms:\n  - id: bias\n    term: Bias\n    definition: Unfairness.\n")
    module = write_module(tmp_path / "demo", {"first.md": lesson("[b](glossary:bias) [x](glossary:nope)\n")})
    result = check_paths([module])
    assert [str(p) for p in result.problems] == [
        f'{module.as_posix()}/first.md:5: glossary link to unknown term "nope"']
    assert result.checked == 1


def test_check_paths_reports_a_missing_folder(tmp_path: Path) -> None:
    result = check_paths([tmp_path / "nowhere"])
    assert [p.message for p in result.problems] == ["no such folder"]
