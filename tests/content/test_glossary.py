"""The shared glossary: terms, translations, problems, and how modules are checked against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from literacy.content import load_courses, parse_glossary

from .support import demo_files, fixture_glossary

GLOSSARY = """\
terms:
  - id: machine-learning
    term: Machine learning
    definition: Software that finds *patterns* in examples.
    cy:
      term: Dysgu peirianyddol
  - id: bias
    term: Bias
    definition: Unfair results.
"""


def test_terms_and_translations() -> None:
    glossary, problems = parse_glossary(GLOSSARY.encode())
    assert problems == [] and glossary is not None
    assert glossary.ids == {"machine-learning", "bias"} and glossary.language == "en"
    ml = glossary.get("machine-learning")
    assert ml is not None and ml.term == "Machine learning"
    assert ml.texts["en"].definition_html == "Software that finds <em>patterns</em> in examples."
    assert ml.text("cy").term == "Dysgu peirianyddol"
    assert ml.text("cy").definition == ml.definition  # falls back to the original
    assert ml.text("fr") == ml.texts["en"]
    assert "bias" in glossary and "nope" not in glossary and glossary.get("nope") is None


def test_the_fixture_glossary() -> None:
    assert fixture_glossary().ids == {"machine-learning", "training-data"}


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("terms:\n  - id: a\n    term: A\n", 2, 'the glossary term is missing "definition"'),
    ("terms:\n  - id: a\n    term: A\n    definition: D\n  - id: a\n    term: B\n    definition: E\n", 5,
     'term ID "a" is used twice (also on line 2)'),
    ("terms:\n  - id: Big Data\n    term: A\n    definition: D\n", 2, 'term ID "Big Data" must be lower case'),
    ("terms:\n  - id: a\n    term: A\n    definition: D\n    colour: red\n", 5, 'unknown setting "colour"'),
    ("terms:\n  - id: a\n    term: A\n    definition: D\n    cy: Dysgu\n", 5, "must hold name: value lines"),
    ("terms:\n  - id: a\n    term: A\n    definition: D\n    cy:\n      term: T\n      sillafu: x\n", 7,
     'unknown setting "sillafu"'),
    ("terms: [a, b]\n", 1, "must hold name: value lines"),
    ("words: []\n", 1, 'glossary.yaml needs "terms:"'),
    ("terms:\n  - id: a\n   term: bad indent\n", 3, "invalid YAML"),
    ("language: Welsh\nterms: []\n", 1, '"Welsh" is not a language code'),
])
def test_glossary_problems(text: str, line: int, fragment: str) -> None:
    glossary, problems = parse_glossary(text.encode(), label="courses/glossary.yaml")
    assert glossary is None
    found = [str(p) for p in problems]
    assert any(p.startswith(f"courses/glossary.yaml:{line}: ") and fragment in p for p in found), found


def test_a_glossary_in_another_language() -> None:
    glossary, problems = parse_glossary(b"language: cy\nterms:\n  - id: a\n    term: T\n    definition: D\n"
                                        b"    en:\n      term: E\n")
    assert problems == [] and glossary is not None
    assert glossary.language == "cy" and glossary.get("a").text("en").term == "E"  # type: ignore[union-attr]


def test_a_glossary_that_is_not_utf8() -> None:
    _, problems = parse_glossary(b"terms:\n  - id: caf\xe9\n")
    assert [str(p) for p in problems] == [
        "glossary.yaml:2: the file is not UTF-8 text (byte 0xe9 on this line); save it as UTF-8"]


def test_partial_glossary_keeps_the_terms_that_could_be_read() -> None:
    text = GLOSSARY + "  - id: broken\n    term: Broken\n"
    glossary, problems = parse_glossary(text.encode(), partial=True)
    assert problems and glossary is not None and glossary.ids == {"machine-learning", "bias"}


def test_modules_are_checked_against_a_glossary_with_problems_without_flooding(tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_text(GLOSSARY + "  - id: broken\n    term: Broken\n")
    folder = tmp_path / "demo"
    folder.mkdir()
    lesson = "---\ntitle: First\nminutes: 5\n---\n[ML](glossary:machine-learning) [x](glossary:nope)\n"
    for name, data in demo_files({"first.md": lesson}).items():
        (folder / name).write_bytes(data)
    result = load_courses(tmp_path)
    root = tmp_path.as_posix()
    assert [str(p) for p in result.problems] == [
        f'{root}/glossary.yaml:10: the glossary term is missing "definition"',
        f'{root}/demo/first.md:5: glossary link to unknown term "nope"',
    ]
    assert result.glossary is None and result.checked == 1
    assert result.results[f"{root}/demo"].slug == "demo"


def test_load_courses_of_a_missing_folder(tmp_path: Path) -> None:
    result = load_courses(tmp_path / "missing")
    assert [p.message for p in result.problems] == ["no such folder"] and result.checked == 0
