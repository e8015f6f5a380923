"""The case library in memory: read and rendered once per process, then served from here with no SQL.

The index is kept in ``app.extensions`` under the folder it was read from, so an app pointed at another folder
(a test's ``CASES_DIR``) reads that one. In development (``debug``) and tests the folder's signature
(file names, sizes, times) is part of the key, so an edited case shows on the next request, as a
``courses sync`` shows an edited module; in production the files are read once, when the first page asks.
Cases with problems are left out (and logged): ``flask courses check`` names them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from types import MappingProxyType

import yaml
from flask import Flask, current_app

from ...content.courses import CASES_FOLDER
from ...content.problems import Problem
from .loader import Case, CasesResult, lesson_ids, load_cases, signature

log = logging.getLogger(__name__)
_KEY = "literacy_cases"
_LOCK = Lock()


@dataclass(frozen=True)
class LessonLink:
    """A lesson a case names, with its and its module's titles by language (read from the course files)."""

    module_slug: str
    lesson_slug: str
    titles: Mapping[str, str]
    module_titles: Mapping[str, str]

    def title(self, language: str) -> tuple[str, str]:
        """(title, its language): the lesson's title in ``language``, else in English, else its slug."""
        for code in (language, "en"):
            if code in self.titles:
                return self.titles[code], code
        return self.lesson_slug, "en"

    def module_title(self, language: str) -> tuple[str, str]:
        for code in (language, "en"):
            if code in self.module_titles:
                return self.module_titles[code], code
        return self.module_slug, "en"


@dataclass(frozen=True)
class CaseIndex:
    cases: tuple[Case, ...] = ()  # newest first, then by title
    by_slug: Mapping[str, Case] = field(default_factory=dict)
    by_lesson: Mapping[str, tuple[Case, ...]] = field(default_factory=dict)
    lessons: Mapping[str, LessonLink] = field(default_factory=dict)
    techniques: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    #: a lesson page's rendered "Real cases" by (root, module, lesson, language): the same for every learner
    asides: dict[tuple[str, str, str, str], str] = field(default_factory=dict, compare=False)

    def for_lesson(self, module_slug: str, lesson_slug: str) -> tuple[Case, ...]:
        return self.by_lesson.get(f"{module_slug}/{lesson_slug}", ())


def cases_folder(app: Flask) -> Path:
    """The app's ``CASES_DIR`` when a test sets one, else the ``cases`` folder of the courses folder."""
    configured = app.config.get("CASES_DIR")
    return Path(configured) if configured else Path(app.config["COURSES_DIR"]) / CASES_FOLDER


def check_folder(folder: Path, courses_root: Path | None = None) -> CasesResult:
    """Check the cases in ``folder`` against the lessons of ``courses_root`` (default: the folder it is in)."""
    root = folder.parent if courses_root is None else courses_root
    return load_cases(folder, known_lessons=lesson_ids(root))


def case_index() -> CaseIndex:
    """This app's index of the case library (see the module's docstring for when it is read again)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    reload = app.debug or app.testing
    kept = app.extensions.get(_KEY)
    if kept is not None and not reload:
        return kept[1]  # read once in production: no paths built on every lesson page
    folder = cases_folder(app)
    courses_root = Path(app.config["COURSES_DIR"])
    key = (folder, courses_root, signature(folder) if reload else None)
    if kept is not None and kept[0] == key:
        return kept[1]
    with _LOCK:
        kept = app.extensions.get(_KEY)
        if kept is not None and kept[0] == key:
            return kept[1]
        index = build_index(folder, courses_root)
        app.extensions[_KEY] = (key, index)
        return index


def warm(app: Flask) -> None:
    """Read the case library now, at a production start (``literacy.wsgi``): reading and rendering it takes
    about a second, which each worker's first lesson page would otherwise wait for (under load, over wrk's
    two-second timeout: bench/bench_pages.py)."""
    with app.app_context():
        case_index()


def build_index(folder: Path, courses_root: Path) -> CaseIndex:
    if not folder.is_dir():
        return CaseIndex()
    result = load_cases(folder, known_lessons=lesson_ids(courses_root))
    for problem in result.problems:
        log.warning("case library: %s", problem)
    cases = sorted(result.cases, key=lambda case: (-case.year, case.text("en").title.lower()))
    by_lesson: dict[str, list[Case]] = {}
    for case in cases:
        for lesson in case.lessons:
            by_lesson.setdefault(lesson, []).append(case)
    named = sorted({lesson for case in cases for lesson in case.lessons})
    return CaseIndex(
        cases=tuple(cases),
        by_slug=MappingProxyType({case.slug: case for case in cases}),
        by_lesson=MappingProxyType({lesson: tuple(found) for lesson, found in by_lesson.items()}),
        lessons=MappingProxyType({lesson: _lesson_link(courses_root, lesson) for lesson in named}),
        techniques=tuple(sorted({technique for case in cases for technique in case.techniques})),
        problems=tuple(result.problems),
    )


_LANGUAGE_FILE_RE = re.compile(r"^(?P<stem>.+?)(?:\.(?P<language>[a-z]{2}))?\.(?P<ext>md|yaml)$")


def _header(path: Path) -> dict[str, object]:
    """The YAML header of a lesson file (or a whole module.yaml), or {} when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if path.suffix == ".md":
        lines = text.split("\n")
        if not lines or lines[0].strip() != "---":
            return {}
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            return {}
        text = "\n".join(lines[1:end])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _titles(folder: Path, stem: str, ext: str) -> dict[str, str]:
    titles: dict[str, str] = {}
    for path in sorted(folder.glob(f"{stem}*.{ext}")):
        match = _LANGUAGE_FILE_RE.match(path.name)
        if match is None or match["stem"] != stem:
            continue
        title = _header(path).get("title")
        if isinstance(title, str) and title.strip():
            titles[match["language"] or "en"] = title.strip()
    return titles


def _lesson_link(courses_root: Path, lesson_id: str) -> LessonLink:
    module_slug, _, lesson_slug = lesson_id.partition("/")
    folder = courses_root / module_slug
    for candidate in sorted(courses_root.glob("*/module.yaml")):
        if _header(candidate).get("slug") == module_slug:
            folder = candidate.parent
            break
    return LessonLink(module_slug, lesson_slug, MappingProxyType(_titles(folder, lesson_slug, "md")),
                      MappingProxyType(_titles(folder, "module", "yaml")))
