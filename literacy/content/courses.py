"""Reading modules from disk: a module folder, or a courses folder of modules and a glossary.

These are the functions behind ``python -m literacy.content`` and ``flask courses check/list/sync``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .glossary import Glossary, parse_glossary
from .model import ModuleSource
from .parse import ParseResult, is_ignored, parse_module
from .problems import N_, Problem

GLOSSARY_FILE = "glossary.yaml"
#: the case library's folder in a courses folder (``literacy.practice.cases``): case files, not a module
CASES_FOLDER = "cases"
#: the self-assessment questionnaire's folder (``literacy.practice.assessment.questionnaire`` checks it)
SELF_ASSESSMENT_FOLDER = "self-assessment"
NOT_MODULES = (CASES_FOLDER, SELF_ASSESSMENT_FOLDER)


@dataclass
class CoursesResult:
    """Valid modules, the glossary, every problem, and how many module folders were checked."""

    modules: list[ModuleSource] = field(default_factory=list)
    glossary: Glossary | None = None
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0
    results: dict[str, ParseResult] = field(default_factory=dict)  # by module folder label

    @property
    def ok(self) -> bool:
        return not self.problems


def _label(path: Path) -> str:
    return path.as_posix()


def read_folder(folder: Path) -> dict[str, bytes]:
    """The files of a module folder by relative path, leaving out names that start with _ or ."""
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if is_ignored(relative) or not path.is_file():
            continue
        files[relative] = path.read_bytes()
    return files


def load_module(folder: Path, *, glossary: Glossary | None = None, label: str | None = None) -> ParseResult:
    """Parse the module in ``folder``; problems name files as ``label/file`` (default: the folder)."""
    return parse_module(read_folder(folder), label=_label(folder) if label is None else label,
                        glossary=glossary)


def load_glossary_file(root: Path) -> tuple[Glossary | None, list[Problem]]:
    """``root/glossary.yaml``, or None when there is none. When it has problems, the terms that could
    be read come back with them, so modules are checked against those rather than against nothing."""
    path = root / GLOSSARY_FILE
    if not path.is_file():
        return None, []
    return parse_glossary(path.read_bytes(), label=_label(path), partial=True)


def module_folders(root: Path) -> list[Path]:
    """The module folders of a courses folder: every folder whose name does not start with _ or ., but the
    case library's (``cases``) and the self-assessment's (``self-assessment``)."""
    return sorted(p for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(("_", ".")) and p.name not in NOT_MODULES)


def load_courses(root: Path) -> CoursesResult:
    """Load ``root/glossary.yaml`` and every module folder in ``root``. ``glossary`` is None when the
    file is missing or has problems (they are among ``problems``)."""
    if not root.is_dir():
        return CoursesResult(problems=[Problem(_label(root), 1, N_("no such folder"))])
    glossary, problems = load_glossary_file(root)
    result = load_courses_with(root, glossary)
    result.problems[:0] = problems
    if problems:
        result.glossary = None
    return result


def is_module_folder(path: Path) -> bool:
    return (path / "module.yaml").is_file()


def is_courses_folder(path: Path) -> bool:
    return (path / GLOSSARY_FILE).is_file() or any(is_module_folder(p) for p in module_folders(path))


def check_paths(paths: Iterable[Path | str]) -> CoursesResult:
    """Check module folders and courses folders (a module folder uses the glossary.yaml of the folder
    it sits in). All problems come back at once; ``modules`` holds the valid ones."""
    result = CoursesResult()
    glossaries: dict[Path, tuple[Glossary | None, list[Problem]]] = {}

    def glossary_of(root: Path) -> Glossary | None:
        key = root.resolve()
        if key not in glossaries:
            glossaries[key] = load_glossary_file(root)
            result.problems.extend(glossaries[key][1])
        return glossaries[key][0]

    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            result.problems.append(Problem(_label(path), 1, N_("no such folder")))
            continue
        if is_module_folder(path) or not is_courses_folder(path):
            glossary = glossary_of(path.parent) if path.parent != path else None
            result.glossary = result.glossary or glossary
            parsed = load_module(path, glossary=glossary)
            result.results[_label(path)] = parsed
            result.checked += 1
            result.problems.extend(parsed.problems)
            if parsed.module is not None:
                result.modules.append(parsed.module)
            continue
        glossary = glossary_of(path)
        courses = load_courses_with(path, glossary)
        result.checked += courses.checked
        result.results.update(courses.results)
        result.problems.extend(courses.problems)
        result.modules.extend(courses.modules)
        result.glossary = result.glossary or glossary
    if any(problems for _, problems in glossaries.values()):
        result.glossary = None
    result.problems = sorted(dict.fromkeys(result.problems))
    return result


def load_courses_with(root: Path, glossary: Glossary | None) -> CoursesResult:
    """Like :func:`load_courses` with a glossary already loaded."""
    result = CoursesResult(glossary=glossary)
    seen: dict[str, str] = {}
    for folder in module_folders(root):
        parsed = load_module(folder, glossary=glossary)
        result.results[_label(folder)] = parsed
        result.checked += 1
        result.problems.extend(parsed.problems)
        if parsed.module is None:
            continue
        if parsed.module.slug in seen:
            other = seen[parsed.module.slug]
            result.problems.append(Problem(f"{_label(folder)}/module.yaml", 1,
                                           N_('slug "%(slug)s" is also used by %(other)s', slug=parsed.module.slug,
                                              other=other)))
            continue
        seen[parsed.module.slug] = _label(folder)
        result.modules.append(parsed.module)
    return result


def module_summary(module: ModuleSource) -> dict[str, Any]:
    """A JSON-ready summary of a module (what ``list --json`` prints)."""
    return {
        "slug": module.slug,
        "title": module.title,
        "edition": module.edition,
        "language": module.language,
        "languages": list(module.languages),
        "level": module.level,
        "minutes": module.minutes,
        "lesson_count": module.lesson_count,
        "question_count": module.question_count,
        "check_count": module.check_count,
        "precheck_question_count": module.precheck_question_count,
        "content_hash": module.content_hash,
    }


def summary_line(checked: int, problems: int) -> str:
    modules = "module" if checked == 1 else "modules"
    found = "problem" if problems == 1 else "problems"
    return f"{checked} {modules} checked, {problems} {found}"
