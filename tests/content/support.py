"""Helpers for the content tests: a small valid module as a mapping that each test breaks one way."""

from __future__ import annotations

from pathlib import Path

from literacy.content import Glossary, ParseResult, load_glossary, parse_module

FIXTURES = Path(__file__).parent / "fixtures"
VALID_MODULE = FIXTURES / "valid-module"
LABEL = "courses/demo"

MODULE_YAML = """\
slug: demo
title: Demo
summary: A demo module.
audience: Everyone
level: introductory
edition: 1
language: en
pass_mark: 80
outcomes:
  - Do a thing
lessons:
  - first
  - second
"""

LESSON = """\
---
title: First lesson
minutes: 5
---

Hello.
"""

QUIZ = """\
::: question q1
type: single

Pick one.

- [x] Yes
- [ ] No
:::
"""


def fixture_glossary() -> Glossary:
    glossary, problems = load_glossary(FIXTURES / "glossary.yaml")
    assert not problems and glossary is not None
    return glossary


def demo_files(changes: dict[str, str | bytes | None] | None = None) -> dict[str, bytes]:
    """The demo module's files with ``changes`` applied (a file set to None is removed)."""
    files: dict[str, str | bytes | None] = {
        "module.yaml": MODULE_YAML,
        "first.md": LESSON,
        "second.md": LESSON.replace("First", "Second"),
        "quiz.md": QUIZ,
        **(changes or {}),
    }
    return {name: value.encode("utf-8") if isinstance(value, str) else value
            for name, value in files.items() if value is not None}


Changes = dict[str, str | bytes | None]


def parse(changes: Changes | None = None, *, glossary: Glossary | None = None) -> ParseResult:
    return parse_module(demo_files(changes), label=LABEL, glossary=glossary)


def problems(changes: Changes | None = None, *, glossary: Glossary | None = None) -> list[str]:
    """The problems of the demo module with ``changes``, as printed (``path:line: message``)."""
    return [str(p) for p in parse(changes, glossary=glossary).problems]
